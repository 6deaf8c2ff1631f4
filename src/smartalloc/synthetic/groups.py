"""Group bucket labels and code-list templates of the Inspactor report (C.4), and a tiny
expander so the generator knows which codes each mentor really serves (D2 intersection).
"""

from __future__ import annotations

import random
import re

from smartalloc.synthetic.tables import OFFICIAL

# (label, weight %, [(code-list text, weight)])
TEMPLATES = (
    ("آزاد", 37, (("1,3,5,7:26,29:30,53:93", 5), ("1,3,5,7:27,29:35,41,43:93", 4),
                  ("1,5,7:20,53:93", 2), ("1,3,5,7:9,21:26,29:30", 2), ("3,22,25", 1))),
    ("کنکوری\u200cها", 26, (("3", 85), ("1", 15))),
    ("کل متوسطه 1 و دبستان", 10.5, (("27,31:35,41,43:46", 1),)),
    ("کل کنکوری\u200cها", 10, (("1,3,5,7:9", 3), ("1,5,7:9", 1), ("1,3", 2), ("3,5,7:9", 1),
                              ("5,7:9", 1))),
    ("کل متوسطه 2", 10, (("21:26,29:30", 3), ("21,23:24,26,29:30", 1), ("21:22,24:25", 1))),
    ("کل متوسط 1", 3.5, (("27,31:33", 1),)),
    ("یازدهم و دهم تجربی", 2.5, (("22,25", 1),)),
    ("کل دبستان", 1, (("35,41,43:46", 1),)),
)
# Coverage anchors: one broad mentor per (centre, gender) so common combinations are served.
ANCHOR_ALL = ("آزاد", "1,3,5,7:27,29:35,41,43:93")
ANCHOR_NO_PRIMARY = ("آزاد", "1,3,5,7:27,29:33,53:93")
PRIMARY_ONLY = ("کل دبستان", "35,41,43:46")

_SPLIT = re.compile(r"[,،\s]+")
_RANGE = re.compile(r"^(\d+)\s*[:\-–]\s*(\d+)$")
_FA = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_OFFICIAL = frozenset(OFFICIAL)


def expand(text: str) -> frozenset[int]:
    """Official codes named by a list like ``1,3,5,7:26`` (ranges intersected, labels ignored)."""
    codes: set[int] = set()
    ascii_text = text.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    for token in _SPLIT.split(ascii_text.strip()):
        match = _RANGE.match(token)
        if match:
            lo, hi = int(match.group(1)), int(match.group(2))
            codes.update(c for c in _OFFICIAL if lo <= c <= hi)
        elif token.isdigit() and int(token) in _OFFICIAL:
            codes.add(int(token))
    return frozenset(codes)


def draw(rng: random.Random, forbidden: frozenset[int] = frozenset(),
         labels: tuple[str, ...] | None = None) -> tuple[str, str]:
    """A (label, list) pair by the C.4 weights, avoiding lists that reach ``forbidden`` codes."""
    table = [t for t in TEMPLATES if labels is None or t[0] in labels]
    for _ in range(30):
        label, _w, lists = rng.choices(table, [t[1] for t in table])[0]
        text = rng.choices([x for x, _ in lists], [w for _, w in lists])[0]
        if not expand(text) & forbidden:
            return label, text
    return "کنکوری\u200cها", "3"


def persian_digits(text: str) -> str:
    """Edge case: the same list written with Persian digits and the Arabic comma."""
    return text.translate(_FA).replace(",", "،")
