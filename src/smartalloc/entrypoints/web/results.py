"""The results page's charts, as inline SVG (no script): mentor occupancy before and after a
run, and counts as horizontal bars. What they show comes from the run's kept view
(``service_layer.run_views``), never from its workbooks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from smartalloc.domain.run_results import Occupancy

PAGE_ROWS = 200   # a table of a 100k run has thousands of rows: shown a page at a time


@dataclass(frozen=True)
class Paged:
    """One page of a results table: its rows, which page of how many, and the query
    parameter that turns the page (``?occ=2``)."""

    rows: Sequence
    page: int
    pages: int
    total: int
    param: str


def paged(rows: Sequence, asked: str | None, param: str, size: int = PAGE_ROWS) -> Paged:
    pages = max(1, -(-len(rows) // size))
    page = min(pages, max(1, int(asked))) if asked and asked.isdecimal() else 1
    return Paged(rows[(page - 1) * size:page * size], page, pages, len(rows), param)


# --- charts: inline SVG, no script ---------------------------------------------------------
def occupancy_svg(rows: list[Occupancy], *, rtl: bool, title: str, labels: tuple[str, str],
                  limit: int = 30) -> Markup:
    """Two columns per mentor (before, after), in percent of capacity; right to left in RTL.
    At most ``limit`` mentors (the table below has them all): more would shrink the labels
    below reading size once the chart fits a screen."""
    rows = rows[:limit]
    width, height, left, bottom, top = max(360, 28 * len(rows) + 60), 240, 40, 40, 24
    plot = height - bottom - top
    top_value = max([1.0, *(r.after for r in rows), *(r.before for r in rows)])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}" class="chart">',
             f"<title>{escape(title)}</title>"]
    for pct in (0, 50, 100):
        y = top + plot - plot * (pct / 100) / top_value
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'class="grid"/><text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" '
                     f'class="axis" direction="ltr">{pct}%</text>')
    step = (width - left - 10) / max(1, len(rows))
    for i, r in enumerate(rows):
        slot = (len(rows) - 1 - i) if rtl else i
        x = left + slot * step + step * 0.1
        bar = step * 0.38
        for j, (value, cls) in enumerate(((r.before, "before"), (r.after, "after"))):
            h = plot * value / top_value
            parts.append(f'<rect x="{x + j * bar:.1f}" y="{top + plot - h:.1f}" width="{bar:.1f}"'
                         f' height="{h:.1f}" class="bar-{cls}"><title>{escape(r.mentor_id)} — '
                         f'{escape(labels[j])}: {value:.0%}</title></rect>')
        parts.append(f'<text x="{x + bar:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                     f'class="axis" direction="ltr">{escape(r.mentor_id)}</text>')
    for j, (label, cls) in enumerate(((labels[0], "before"), (labels[1], "after"))):
        if rtl:   # swatch on the right of its label, legend from the right edge
            # right-to-left text: its start (right edge) at x, running leftwards
            sx = width - 22 - j * 170
            parts.append(f'<rect x="{sx}" y="4" width="12" height="12" class="bar-{cls}"/>'
                         f'<text x="{sx - 4}" y="14" direction="rtl" text-anchor="start" '
                         f'class="axis">{escape(label)}</text>')
        else:
            sx = left + j * 110
            parts.append(f'<rect x="{sx}" y="4" width="12" height="12" class="bar-{cls}"/>'
                         f'<text x="{sx + 16}" y="14" class="axis">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bars_svg(items: list[tuple[str, int]], *, rtl: bool, title: str,
             number: Callable[[int], str] = str) -> Markup:
    """Horizontal bars (label, count); bars grow from the right in RTL; ``number`` writes a
    count (Persian digits on a Persian page)."""
    row_h, label_w, width = 26, 300, 760   # labels are words now: «گروه ۳۵، پسر، …»
    height = row_h * len(items) + 10
    top_value = max([1, *(n for _, n in items)])
    plot = width - label_w - 50
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}" class="chart bars">',
             f"<title>{escape(title)}</title>"]
    for i, (label, n) in enumerate(items):
        y, w = 5 + i * row_h, plot * n / top_value
        if rtl:
            # right-to-left words: their start (right edge) at x, running leftwards
            parts.append(f'<text x="{width - 4}" y="{y + 17}" text-anchor="start" class="axis" '
                         f'direction="rtl">{escape(label)}</text>')
            x = width - label_w - w
            parts.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" '
                         f'class="bar-after"/><text x="{x - 4:.1f}" y="{y + 17}" '
                         f'text-anchor="end" class="axis">{number(n)}</text>')
        else:
            parts.append(f'<text x="4" y="{y + 17}" class="axis">{escape(label)}</text>')
            parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" '
                         f'class="bar-after"/><text x="{label_w + w + 4:.1f}" y="{y + 17}" '
                         f'class="axis">{number(n)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
