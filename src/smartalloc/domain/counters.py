"""Registration codes (D8, D15): YY + mid (357 boys / 373 girls) + a sequence of
``counters.sequence_digits`` digits (4 by default).

The sequence continues after the highest one used for (YY, mid) in the roster and history; a
returning national id keeps its code of this year (codes of earlier years are history); a code
held by two national ids is a hard error; past the last sequence the run stops with a clear
error rather than wrapping. Codes of another shape or family (legacy mids 850–853) are never
chosen and every one is listed by row in the run's warnings.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

from smartalloc.domain.contracts import RosterCol
from smartalloc.domain.errors import CounterError, Location, Problem
from smartalloc.domain.notice import Notice
from smartalloc.domain.policy import Policy
from smartalloc.domain.records import RosterEntry

CODE_PATTERN = re.compile(r"^(\d{2})(\d{3})(\d{1,6})$")  # YY, mid, sequence_digits (1–6)
_MALFORMED, _LEGACY, _SUPERSEDED = "malformed", "legacy", "superseded"   # kinds of unused code


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
        self.length = 5 + self.digits            # YY + mid + sequence (D15)
        self.mids = {g.code: g.counter_mid for g in policy.genders.values()}
        self._mid_set = frozenset(self.mids.values())
        self.prefix = {mid: f"{self.yy:02d}{mid}" for mid in self.mids.values()}
        self.last = 10 ** self.digits - 1
        self.owner: dict[str, str] = {}          # code → national id
        self.by_student: dict[str, str] = {}     # national id → its code of this year (D15)
        self.next_seq: dict[str, int] = {}
        self.notes: dict[str, list[tuple[str, int | None]]] = {}  # kind → (source, row) (D15)
        self.clashes = 0
        for code, nid, row, source in known:
            self._learn(code, nid, row, source)
        for code, nid, row, source in claimed:
            holder = self.owner.get(code)
            if holder and nid and holder != nid:
                self.clashes += 1
                continue
            self._learn(code, nid, row, source)
        self.warnings: list[str] = code_warnings(self.notes, self.length)
        if self.clashes:
            self.warnings.append(Notice(
                f"{self.clashes} کد ثبت نام نوشته‌شده در گزارش دانش‌آموزان از آنِ کد ملی دیگری در "
                "شمارنده یا سابقه است و نادیده گرفته شد",
                f"{self.clashes} prior code(s) typed in the student report belong to another "
                "national id in the roster/history and were ignored"))
        self.returning = self._returning()

    def _note(self, kind: str, source: str, row: int | None) -> None:
        self.notes.setdefault(kind, []).append((source, row))

    def _learn(self, code: str, nid: str, row: int | None = None, source: str = "") -> None:
        """Learn one known code (D15): a code of another shape or family is never chosen and
        is listed by row; a code of this year and a known mid moves the sequence on and is the
        student's, the highest sequence winning."""
        if len(code) != self.length or not code.isdecimal():
            return self._note(_MALFORMED, source, row)
        mid = code[2:5]
        if mid not in self._mid_set:
            return self._note(_LEGACY, source, row)
        owner = self.owner
        holder = owner.get(code)
        if holder is not None and nid and holder and holder != nid:
            raise CounterError(Problem(
                "COUNTER_DUPLICATE",
                f"کد ثبت نام {code} به دو کد ملی متفاوت داده شده است",
                f"registration code {code} is held by two different national ids",
                Location(file=source, row=row, column=RosterCol.CODE)))
        owner[code] = nid or holder or ""
        if int(code[:2]) != self.yy:
            return None                          # an earlier year: history, never reused
        seq = int(code[5:]) + 1
        if seq > self.next_seq.get(mid, 1):
            self.next_seq[mid] = seq
        if nid:
            previous = self.by_student.get(nid)
            if previous is not None and previous != code:
                self._note(_SUPERSEDED, source, row)
            if previous is None or int(code[5:]) > int(previous[5:]):
                self.by_student[nid] = code
        return None

    def _returning(self) -> dict[str, tuple[str, int]]:
        """National id → (its latest code, the gender whose mid that code carries), for the
        students whose latest code is of this academic year and may be reused."""
        if not self.policy.dedupe.reuse_code_for_returning:
            return {}
        gender_of = {mid: gender for gender, mid in self.mids.items()}
        out = {}
        for nid, code in self.by_student.items():   # all of this year, of a known mid
            out[nid] = (code, gender_of[code[2:5]])
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

    def left(self, gender: int) -> int:
        """How many new codes of this year the gender's sequence can still issue."""
        return max(self.last - self.next_seq.get(self.mids[gender], 1) + 1, 0)

    def check_headroom(self, genders: Mapping[int, int],
                       candidates: Callable[[], Iterable[tuple[str, int]]]) -> None:
        """Stop before any code is issued when the students who may need a new code outnumber
        the codes left: found mid-run, the same shortage leaves nothing but a failed run.
        ``genders``: gender → students the engine will decide for; ``candidates``: their
        (national id, gender), asked for only when that bound does not fit."""
        if all(n <= self.left(g) for g, n in genders.items()):
            return                               # even if nobody keeps a code of this year
        needed = Counter(g for nid, g in candidates() if not self.reusable(nid, g))
        short = sorted(g for g, n in needed.items() if n > self.left(g))
        if short:
            raise CounterError([self._shortage(g, needed[g]) for g in short])

    def _shortage(self, gender: int, needed: int) -> Problem:
        mid, left = self.mids[gender], self.left(gender)
        return Problem(
            "COUNTER_HEADROOM",
            f"تا {needed} کد ثبت نام تازهٔ سال {self.yy} با کد میانی {mid} لازم است اما فقط {left} "
            f"شماره باقی مانده است (بیشترین شماره با {self.digits} رقم: {self.last}). هیچ کدی صادر "
            f"نشد؛ در سیاست counters.sequence_digits را بیشتر کنید یا دانش‌آموزان را در چند "
            f"نوبت تخصیص دهید",
            f"up to {needed} new registration codes of year {self.yy} with mid {mid} may be "
            f"needed but only {left} are left (the highest {self.digits}-digit sequence is "
            f"{self.last}). No code was issued; raise counters.sequence_digits in the policy "
            f"or allocate the students in several batches")

    def exhausted(self, gender: int) -> CounterError:
        mid = self.mids[gender]
        return CounterError(Problem(
            "COUNTER_EXHAUSTED",
            f"شماره‌های ثبت نام سال {self.yy} و کد {mid} تمام شده است (بیش از {self.last})",
            f"registration sequence for year {self.yy} and mid {mid} is exhausted",
        ))


_NOTE_TEXT = {
    _MALFORMED: ("{n} کد ثبت نام {length} رقمی نیست و به کار نرفت",
                 "{n} registration code(s) are not {length} digits and were not used"),
    _LEGACY: ("{n} کد ثبت نام از خانوادهٔ دیگری است (سه رقم میانی جز ۳۵۷ و ۳۷۳، مانند ۸۵۰ تا ۸۵۳) "
              "و به کار نرفت", "{n} registration code(s) are of another family (mid not 357/373, "
              "e.g. the legacy 850–853) and were not used"),
    _SUPERSEDED: ("{n} کد ملی بیش از یک کد امسال دارند؛ کد با بزرگ‌ترین شماره نگه داشته شد",
                  "{n} code(s) of this year belong to a national id that holds a higher one; the "
                  "highest sequence was kept"),
}


def code_warnings(notes: dict[str, list[tuple[str, int | None]]], length: int) -> list[str]:
    """One bilingual warning per kind of unused code, naming every row (as ranges) per file."""
    out = []
    for kind in (_MALFORMED, _LEGACY, _SUPERSEDED):
        found = notes.get(kind)
        if not found:
            continue
        fa, en = _NOTE_TEXT[kind]
        by_source: dict[str, list[int]] = {}
        unrowed = 0
        for source, row in found:
            if row is None:
                unrowed += 1
            else:
                by_source.setdefault(source or "roster", []).append(row)
        where = "; ".join(f"{source} rows {row_ranges(rows)}"
                          for source, rows in sorted(by_source.items()))
        if unrowed:
            where += f"{'; ' if where else ''}{unrowed} in history"
        n = len(found)
        out.append(Notice(fa.format(n=n, length=length),
                          f"{en.format(n=n, length=length)} ({where})"))
    return out


def row_ranges(rows: Iterable[int]) -> str:
    """``3-5, 9, 12-13``: every row, compressed."""
    ordered = sorted(set(rows))
    parts: list[str] = []
    start = prev = None
    for r in [*ordered, None]:
        if start is not None and (r is None or r != prev + 1):
            parts.append(str(start) if start == prev else f"{start}-{prev}")
            start = None
        if r is not None and start is None:
            start = r
        prev = r
    return ", ".join(parts)
