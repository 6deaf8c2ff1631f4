"""School lookup from the SchoolReport: code ↔ name, with ambiguity made explicit (FR-2, D3).

The Inspactor `نام مدرسه 1..4` columns normally hold codes, but operators sometimes type a
name. A name resolves only when exactly one school code carries it; a name shared by several
codes is reported with its candidates rather than guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from smartalloc.domain.contracts import SCHOOL_GENDER_BOYS, SCHOOL_GENDER_GIRLS
from smartalloc.domain.normalize import clean_text, match_key, parse_int
from smartalloc.domain.policy import Policy
from smartalloc.domain.records import SchoolRecord


class SchoolTokenKind(StrEnum):
    EMPTY = "empty"                # "" or "0": no school constraint, never reported (SCHOOL_01)
    CODE = "code"                  # a code present in the SchoolReport
    NAME = "name"                  # a name carried by exactly one code
    UNKNOWN_CODE = "unknown_code"
    UNKNOWN_NAME = "unknown_name"
    AMBIGUOUS_NAME = "ambiguous_name"


@dataclass(frozen=True, slots=True)
class SchoolResolution:
    token: str
    kind: SchoolTokenKind
    code: int | None = None
    candidates: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        return self.kind in (SchoolTokenKind.CODE, SchoolTokenKind.NAME)

    @property
    def reason_fa(self) -> str:
        if self.kind is SchoolTokenKind.UNKNOWN_CODE:
            return f"کد مدرسه «{self.token}» در گزارش مدارس نیست"
        if self.kind is SchoolTokenKind.UNKNOWN_NAME:
            return f"نام مدرسه «{self.token}» در گزارش مدارس پیدا نشد"
        if self.kind is SchoolTokenKind.AMBIGUOUS_NAME:
            shown = "، ".join(str(c) for c in self.candidates)
            return f"نام مدرسه «{self.token}» مبهم است؛ کدهای ممکن: {shown}"
        return ""


class SchoolDirectory:
    """Code → record and normalised name → codes, built once per run."""

    def __init__(self, schools: Iterable[SchoolRecord], policy: Policy | None = None):
        self._by_code: dict[int, SchoolRecord] = {}
        self._by_name: dict[str, set[int]] = {}
        for s in schools:
            self._by_code.setdefault(s.code, s)
            key = match_key(s.name)
            if key:
                self._by_name.setdefault(key, set()).add(s.code)
        labels = {SCHOOL_GENDER_GIRLS: 0, SCHOOL_GENDER_BOYS: 1}
        if policy is not None:
            labels = {g.school_label: g.code for g in policy.genders.values()}
        self._gender_labels = {match_key(k): v for k, v in labels.items()}
        self._cache: dict[str, SchoolResolution] = {}

    def __len__(self) -> int:
        return len(self._by_code)

    def exists(self, code: int) -> bool:
        return code in self._by_code

    def name_of(self, code: int) -> str:
        record = self._by_code.get(code)
        return record.name if record else ""

    def gender_of(self, code: int) -> int | None:
        """0 girls / 1 boys from the SchoolReport label; None when unknown or mixed."""
        record = self._by_code.get(code)
        return self._gender_labels.get(match_key(record.gender_label)) if record else None

    def resolve(self, token: str) -> SchoolResolution:
        cached = self._cache.get(token)
        if cached is None:
            cached = self._cache[token] = self._resolve(token)
        return cached

    def _resolve(self, token: str) -> SchoolResolution:
        text = clean_text(token)
        code = parse_int(text)
        if not text or code == 0:
            return SchoolResolution(text, SchoolTokenKind.EMPTY)
        if code is not None:
            kind = SchoolTokenKind.CODE if code in self._by_code else SchoolTokenKind.UNKNOWN_CODE
            return SchoolResolution(text, kind, code if kind is SchoolTokenKind.CODE else None)
        codes = sorted(self._by_name.get(match_key(text), ()))
        if len(codes) == 1:
            return SchoolResolution(text, SchoolTokenKind.NAME, codes[0], tuple(codes))
        if codes:
            return SchoolResolution(text, SchoolTokenKind.AMBIGUOUS_NAME, None, tuple(codes))
        return SchoolResolution(text, SchoolTokenKind.UNKNOWN_NAME)
