"""Registration codes (D8): YY + mid (357 boys / 373 girls) + a 4-digit sequence.

The sequence continues after the highest one used for (YY, mid) in the roster and history; a
returning national id keeps its code; a code held by two national ids is a hard error; past
9999 the run stops with a clear error rather than wrapping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from smartalloc.domain.errors import CounterError, Problem
from smartalloc.domain.policy import Policy
from smartalloc.domain.records import RosterEntry

CODE_PATTERN = re.compile(r"^(\d{2})(\d{3})(\d{4})$")


class CounterBook:
    """Issues codes for one academic year; ``known`` codes come from roster and history."""

    def __init__(self, policy: Policy, year: int, known: Iterable[RosterEntry],
                 claimed: Iterable[RosterEntry] = ()):
        """``known``: the roster and history — authoritative, a code held twice stops the run.
        ``claimed``: prior codes typed in the student report — one that clashes with a known code
        is ignored with a warning (a typo in a student row must not stop the agency's run)."""
        self.policy = policy
        self.yy = year - policy.counters.year_offset
        if not 0 <= self.yy <= 99:
            raise CounterError(Problem(
                "COUNTER_YEAR", f"سال تحصیلی {year} با قالب کد ثبت نام سازگار نیست",
                f"academic year {year} does not fit the registration code format"))
        self.digits = policy.counters.sequence_digits
        self.mids = {g.code: g.counter_mid for g in policy.genders.values()}
        self._mid_set = frozenset(self.mids.values())
        self.prefix = {mid: f"{self.yy:02d}{mid}" for mid in self.mids.values()}
        self.last = 10 ** self.digits - 1
        self.owner: dict[str, str] = {}          # code → national id
        self.by_student: dict[str, str] = {}     # national id → latest code
        self.next_seq: dict[str, int] = {}
        self.warnings: list[str] = []
        self.clashes = 0
        for code, nid, _row in known:
            self._learn(code, nid)
        for code, nid, _row in claimed:
            holder = self.owner.get(code)
            if holder and nid and holder != nid:
                self.clashes += 1
                continue
            self._learn(code, nid)
        if self.clashes:
            self.warnings.append(f"{self.clashes} prior code(s) typed in the student report belong "
                                 "to another national id in the roster/history and were ignored")
        self.returning = self._returning()

    def _learn(self, code: str, nid: str) -> None:
        if len(code) != 9 or not code.isdecimal():    # CODE_PATTERN, without the regex
            return
        owner = self.owner
        holder = owner.get(code)
        if holder is not None and nid and holder and holder != nid:
            raise CounterError(Problem(
                "COUNTER_DUPLICATE",
                f"کد ثبت نام {code} به دو کد ملی متفاوت داده شده است",
                f"registration code {code} is held by two different national ids",
            ))
        owner[code] = nid or holder or ""
        mid = code[2:5]
        if mid in self._mid_set and int(code[:2]) == self.yy:
            seq = int(code[5:]) + 1
            if seq > self.next_seq.get(mid, 1):
                self.next_seq[mid] = seq
        if nid:
            previous = self.by_student.get(nid)
            if previous and previous[:2] == code[:2] and previous != code:
                self.warnings.append(f"national id with two codes of one year: kept the later "
                                     f"of {previous}, {code}")
            if previous is None or code > previous:
                self.by_student[nid] = code

    def _returning(self) -> dict[str, tuple[str, int]]:
        """National id → (its latest code, the gender whose mid that code carries), for the
        students whose latest code is of this academic year and may be reused."""
        if not self.policy.dedupe.reuse_code_for_returning:
            return {}
        gender_of = {mid: gender for gender, mid in self.mids.items()}
        out = {}
        for nid, code in self.by_student.items():
            gender = gender_of.get(code[2:5])
            if gender is not None and int(code[:2]) == self.yy:
                out[nid] = (code, gender)
        return out

    def reusable(self, national_id: str, gender: int) -> str:
        """The student's code of this academic year with the mid of its gender ("" if none).

        Codes of earlier years are not carried over: the real operator output gives every
        student of the year a code of the year (spec B.5)."""
        entry = self.returning.get(national_id)
        return entry[0] if entry is not None and entry[1] == gender else ""

    def issue(self, national_id: str, gender: int, *, remember: bool = True) -> tuple[str, bool]:
        """(code, reused) for an allocated student. ``remember=False`` skips recording the new
        code against the id, for a caller that never asks this book for the same id again (a
        batch: dedupe keeps one row per national id, and its book lives for that batch).
        ``batch_kernel.engine_decisions`` issues the same codes inline, from ``sequences``,
        ``returning`` and back through ``advance``."""
        reused = self.reusable(national_id, gender)
        if reused:
            return reused, True
        mid = self.mids[gender]
        seq = self.next_seq.get(mid, 1)
        if seq > self.last:
            raise self.exhausted(gender)
        code = self.prefix[mid] + str(seq).zfill(self.digits)
        self.next_seq[mid] = seq + 1
        if remember:
            self.owner[code] = national_id
            self.by_student[national_id] = code
            if self.policy.dedupe.reuse_code_for_returning:
                self.returning[national_id] = (code, gender)
        return code, False

    def sequences(self) -> tuple[list[int], list[str]]:
        """Per gender code (list index): the next sequence number and the code prefix."""
        mids = [self.mids.get(g, "") for g in range(max(self.mids) + 1)]
        return ([self.next_seq.get(mid, 1) for mid in mids],
                [self.prefix.get(mid, "") for mid in mids])

    def advance(self, seqs: Sequence[int]) -> None:
        """Take back the next sequence numbers after codes were issued from ``sequences``."""
        for gender, seq in enumerate(seqs):
            mid = self.mids.get(gender)
            if mid and seq != self.next_seq.get(mid, 1):
                self.next_seq[mid] = seq

    def exhausted(self, gender: int) -> CounterError:
        mid = self.mids[gender]
        return CounterError(Problem(
            "COUNTER_EXHAUSTED",
            f"شماره‌های ثبت نام سال {self.yy} و کد {mid} تمام شده است (بیش از {self.last})",
            f"registration sequence for year {self.yy} and mid {mid} is exhausted",
        ))
