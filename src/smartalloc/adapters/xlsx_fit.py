"""Column widths from content for the streaming writer (issue J).

A worksheet's ``<cols>`` comes before its ``<sheetData>``, and the writer streams the rows once,
so widths are measured on the header and the first ``FIT_ROWS`` rows (a bounded look-ahead:
a few milliseconds whatever the sheet's length), never on a second pass over 100k rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

FIT_ROWS = 1000             # rows measured (after the header) for the column widths
MIN_WIDTH, MAX_WIDTH = 8, 60  # in characters of the body font
# Marks that take no room on screen: ZWNJ/ZWJ, bidi marks and embeddings, Arabic diacritics.
_NO_WIDTH = dict.fromkeys([0x200C, 0x200D, 0x200E, 0x200F, *range(0x202A, 0x202F),
                           *range(0x2066, 0x206A), *range(0x064B, 0x0660), 0x0670])


def _visible(value) -> int:
    """Characters a cell shows: text without its zero-width marks, a number as written."""
    if value.__class__ is not str:
        return 5 if value is True or value is False else len(str(value))
    return len(value) if value.isascii() else len(value.translate(_NO_WIDTH))


def fitted_widths(columns: Sequence[str], sample: Sequence[Sequence]) -> list[int]:
    """Each column's width: the widest of its header (bold, plus the filter button) and its
    sampled cells, plus padding, within MIN_WIDTH..MAX_WIDTH. A Persian letter counts as one
    character like a Latin one (Tahoma draws them about as wide as a digit)."""
    best = [_visible(c) * 1.1 + 3 if c else 0 for c in columns]
    n = len(best)
    for row in sample:
        for i, v in enumerate(row[:n]):
            if v is not None and v != "":
                w = _visible(v)
                if w > best[i]:
                    best[i] = w
    return [min(MAX_WIDTH, max(MIN_WIDTH, math.ceil(w) + 2)) for w in best]


def cols_xml(widths: Sequence[float]) -> str:
    """One ``<col>`` per run of equal widths."""
    out, start = [], 0
    for i in range(1, len(widths) + 1):
        if i == len(widths) or widths[i] != widths[start]:
            out.append(f'<col min="{start + 1}" max="{i}" width="{widths[start]}" '
                       'customWidth="1"/>')
            start = i
    return f"<cols>{''.join(out)}</cols>"
