"""What the results and search pages show of a finished run, read from the run's own
allocation workbook (the file the operator downloads: one source, no second computation):
``allocation_summary`` (mentor occupancy before/after), ``unallocated`` (by six-key
combination), ``capacity_plan`` and ``allocations`` (student search). Cards come from the job's
result counts. Parsed workbooks are kept for the few most recent runs."""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup, escape
from python_calamine import CalamineWorkbook

from smartalloc.domain.national_id import normalize_national_id
from smartalloc.domain.normalize import match_key
from smartalloc.service_layer.ports import OUTPUT_FILES

KEY_COLUMNS = ("کدرشته", "جنسیت", "دانش آموز فارغ", "مرکز گلستان صدرا", "مالی حکمت بنیاد",
               "کد مدرسه")


@dataclass(frozen=True)
class Occupancy:
    mentor_id: str
    name: str
    capacity: int
    new: int
    before: float     # share of capacity used before this run (covered + earlier runs)
    after: float      # … and after it


@dataclass(frozen=True)
class StudentRow:
    national_id: str
    name: str
    status: str
    mentor_id: str
    mentor_name: str
    code: str
    failure_class: str
    reason: str


@dataclass
class RunReport:
    occupancy: list[Occupancy] = field(default_factory=list)
    by_keys: list[tuple[tuple[int, ...], int, str]] = field(default_factory=list)
    plan: list[dict] = field(default_factory=list)
    students: list[StudentRow] = field(default_factory=list)


def _int(value: object) -> int:
    try:
        return int(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _rows(wb: CalamineWorkbook, name: str) -> list[dict]:
    if name not in wb.sheet_names:
        return []
    data = wb.get_sheet_by_name(name).to_python()
    if not data:
        return []
    header = [str(h) for h in data[0]]
    return [dict(zip(header, row, strict=False)) for row in data[1:]]


def load_report(runs_dir: Path, job_id: str) -> RunReport | None:
    path = runs_dir / job_id / OUTPUT_FILES["allocation"]
    if not path.is_file():
        return None
    return _load(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _load(path: str, _mtime: int) -> RunReport:
    wb = CalamineWorkbook.from_path(path)
    report = RunReport()
    for r in _rows(wb, "allocation_summary"):
        cap = _int(r.get("capacity"))
        start, after = _int(r.get("remaining_at_start")), _int(r.get("remaining_after"))
        report.occupancy.append(Occupancy(
            _text(r.get("mentor_id")), _text(r.get("mentor_name")), cap,
            _int(r.get("allocations_new")),
            (cap - start) / cap if cap else 0.0, (cap - after) / cap if cap else 0.0))
    combos: Counter[tuple[int, ...]] = Counter()
    classes: dict[tuple[int, ...], Counter[str]] = {}
    for r in _rows(wb, "unallocated"):
        keys = tuple(_int(r.get(c)) for c in KEY_COLUMNS)
        combos[keys] += 1
        classes.setdefault(keys, Counter())[_text(r.get("failure_class"))] += 1
    report.by_keys = [(k, n, classes[k].most_common(1)[0][0]) for k, n in combos.most_common()]
    report.plan = [{k: _text(v) for k, v in r.items()} for r in _rows(wb, "capacity_plan")]
    report.students = [StudentRow(
        _text(r.get("national_id")), f"{_text(r.get('first_name'))} {_text(r.get('last_name'))}"
        .strip(), _text(r.get("status")), _text(r.get("mentor_id")), _text(r.get("mentor_name")),
        _text(r.get("registration_code")), _text(r.get("failure_class")), _text(r.get("reason")))
        for r in _rows(wb, "allocations")]
    return report


def search(report: RunReport, query: str, limit: int = 50) -> list[StudentRow]:
    """By national id (exact, leading zero restored) when the query is digits, else by name."""
    query = query.strip()
    if not query:
        return []
    plain = query.replace(" ", "")
    if plain.isdecimal():      # Persian and Arabic digits too
        nid = normalize_national_id(plain)
        return [s for s in report.students if s.national_id == nid][:limit]
    key = match_key(query)
    return [s for s in report.students if key and key in match_key(s.name)][:limit]


def find(report: RunReport | None, national_id: str) -> StudentRow | None:
    if report is None:
        return None
    return next((s for s in report.students if s.national_id == national_id), None)


# --- charts: inline SVG, no script ---------------------------------------------------------
def occupancy_svg(rows: list[Occupancy], *, rtl: bool, title: str, labels: tuple[str, str],
                  limit: int = 60) -> Markup:
    """Two columns per mentor (before, after), in percent of capacity; right to left in RTL."""
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
            sx = width - 22 - j * 130
            parts.append(f'<rect x="{sx}" y="4" width="12" height="12" class="bar-{cls}"/>'
                         f'<text x="{sx - 4}" y="14" direction="rtl" text-anchor="start" '
                         f'class="axis">{escape(label)}</text>')
        else:
            sx = left + j * 110
            parts.append(f'<rect x="{sx}" y="4" width="12" height="12" class="bar-{cls}"/>'
                         f'<text x="{sx + 16}" y="14" class="axis">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bars_svg(items: list[tuple[str, int]], *, rtl: bool, title: str) -> Markup:
    """Horizontal bars (label, count); bars grow from the right in RTL."""
    row_h, label_w, width = 26, 200, 640
    height = row_h * len(items) + 10
    top_value = max([1, *(n for _, n in items)])
    plot = width - label_w - 50
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}" class="chart bars">',
             f"<title>{escape(title)}</title>"]
    for i, (label, n) in enumerate(items):
        y, w = 5 + i * row_h, plot * n / top_value
        if rtl:
            parts.append(f'<text x="{width - 4}" y="{y + 17}" text-anchor="end" class="axis" '
                         f'direction="ltr">{escape(label)}</text>')
            x = width - label_w - w
            parts.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" '
                         f'class="bar-after"/><text x="{x - 4:.1f}" y="{y + 17}" '
                         f'text-anchor="end" class="axis">{n}</text>')
        else:
            parts.append(f'<text x="4" y="{y + 17}" class="axis">{escape(label)}</text>')
            parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" '
                         f'class="bar-after"/><text x="{label_w + w + 4:.1f}" y="{y + 17}" '
                         f'class="axis">{n}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
