"""Group lists of the InspactorReport (`شامل گروه های آزمایشی`) → official group codes (D2).

Operators type code lists with ranges (`27,31:35,41,43:46`), Persian digits, bucket labels
(`کل متوسطه 2`) or Crosswalk names. A range is *intersected* with the official 33 codes, so
`7:26` never invents codes such as 10 or 13 (the old matrix reported 1,522 of those). Anything
that cannot be read is returned as an unseen token; it never stops the build.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from smartalloc.domain.normalize import clean_text, match_key
from smartalloc.domain.policy import Policy
from smartalloc.domain.records import Crosswalk

# Names of the 33 official codes (spec B.6); used when no Crosswalk is given or it lacks a code.
BUILTIN_GROUP_NAMES: Mapping[int, str] = {
    1: "دوازدهم ریاضی", 3: "دوازدهم تجربی", 5: "دوازدهم انسانی", 7: "هنر",
    8: "دوازدهم علوم و معارف اسلامی", 9: "منحصرا زبان", 11: "دوازدهم الکتروتکنیک",
    12: "دوازدهم شبکه و نرم\u200cافزار رایانه", 14: "دوازدهم تربیت بدنی", 17: "دوازدهم حسابداری",
    18: "دوازدهم مکانیک خودرو", 21: "یازدهم ریاضی", 22: "یازدهم تجربی",
    23: "یازدهم علوم انسانی", 24: "دهم ریاضی", 25: "دهم تجربی", 26: "دهم انسانی",
    27: "نهم", 29: "یازدهم علوم و معارف اسلامی", 30: "دهم علوم و معارف اسلامی", 31: "هشتم",
    33: "هفتم", 35: "ششم دبستان", 41: "پنجم دبستان", 43: "چهارم دبستان", 45: "سوم دبستان",
    46: "دوم دبستان", 53: "یازدهم الکتروتکنیک", 55: "یازدهم شبکه و نرم افزار",
    66: "یازدهم تربیت بدنی", 69: "یازدهم حسابداری", 83: "دهم شبکه و نرم\u200cافزار رایانه",
    89: "دهم حسابداری",
}

_CHUNK_SPLIT = re.compile(r"[,،;؛]+")
_RANGE_SPACES = re.compile(r"\s*([:\-–—])\s*")
_NUMBER = re.compile(r"^\d+$")
_RANGE = re.compile(r"^(\d+)[:\-–—](\d+)$")


@dataclass(frozen=True, slots=True)
class GroupParse:
    """Official codes (sorted, unique), unseen tokens (first-seen order) and the bad-token count."""

    codes: tuple[int, ...]
    unseen: tuple[str, ...]
    invalid_token_count: int


def group_names(crosswalk: Crosswalk | None) -> dict[int, str]:
    """Code → `نام رشته`: the Crosswalk names over the built-in table of spec B.6."""
    names = dict(BUILTIN_GROUP_NAMES)
    if crosswalk is not None:
        for g in crosswalk.groups:
            if g.name:
                names[g.code] = g.name
    return names


class GroupParser:
    """Reusable parser: builds the label index once (the matrix parses thousands of lists)."""

    def __init__(self, policy: Policy, crosswalk: Crosswalk | None = None):
        self.official = frozenset(policy.official_group_codes)
        labels: dict[str, tuple[int, ...]] = {}
        for label, codes in policy.group_buckets.items():
            labels.setdefault(match_key(label), self._official(codes))
        for code, name in group_names(crosswalk).items():
            labels.setdefault(match_key(name), self._official([code]))
        for src, dst in crosswalk.synonyms if crosswalk else ():
            target = labels.get(match_key(dst))
            if target is None:
                parsed = self._numbers_only(dst)
                target = parsed if parsed else None
            if target:
                labels.setdefault(match_key(src), target)
        self.labels = {k: v for k, v in labels.items() if k and v}
        self.max_words = max((len(k.split()) for k in self.labels), default=1)
        self._cache: dict[str, GroupParse] = {}

    def _official(self, codes) -> tuple[int, ...]:
        return tuple(sorted({c for c in codes if c in self.official}))

    def _numbers_only(self, text: str) -> tuple[int, ...]:
        codes: set[int] = set()
        for token in _RANGE_SPACES.sub(r"\1", clean_text(text)).replace("،", ",").split(","):
            for word in token.split():
                found = self._number_token(word)
                if found is None:
                    return ()
                codes.update(found)
        return tuple(sorted(codes))

    def _number_token(self, word: str) -> tuple[int, ...] | None:
        """Codes of a number or range token; None if it is not numeric; () if it yields nothing."""
        if _NUMBER.match(word):
            code = int(word)
            return (code,) if code in self.official else ()
        m = _RANGE.match(word)
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
            if lo > hi:
                return ()
            return tuple(c for c in sorted(self.official) if lo <= c <= hi)
        return None

    def _longest_label(self, words: list[str], i: int) -> tuple[int, tuple[int, ...]] | None:
        for j in range(min(len(words), i + self.max_words), i, -1):
            codes = self.labels.get(match_key(" ".join(words[i:j])))
            if codes:
                return j, codes
        return None

    def parse(self, text: str) -> GroupParse:
        cached = self._cache.get(text)
        if cached is None:
            cached = self._cache[text] = self._parse(text)
        return cached

    def _parse(self, text: str) -> GroupParse:
        codes: set[int] = set()
        bad: list[str] = []
        normalised = _RANGE_SPACES.sub(r"\1", clean_text(text))
        for chunk in _CHUNK_SPLIT.split(normalised):
            words, pending, i = chunk.split(), [], 0
            while i < len(words):
                label = self._longest_label(words, i)
                numeric = None if label else self._number_token(words[i])
                if label is None and numeric is None:
                    pending.append(words[i])
                    i += 1
                    continue
                if pending:
                    bad.append(" ".join(pending))
                    pending = []
                if label is not None:
                    i = label[0]
                    codes.update(label[1])
                    continue
                if not numeric:  # a number outside the 33 codes, or an empty/reversed range
                    bad.append(words[i])
                codes.update(numeric or ())
                i += 1
            if pending:
                bad.append(" ".join(pending))
        return GroupParse(tuple(sorted(codes)), tuple(dict.fromkeys(bad)), len(bad))


def parse_group_list(text: str, policy: Policy, crosswalk: Crosswalk | None = None) -> GroupParse:
    """Parse one group list (D2); build a ``GroupParser`` instead when parsing many."""
    return GroupParser(policy, crosswalk).parse(text)
