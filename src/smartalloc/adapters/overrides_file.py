"""Per-run pool overrides (mentor id → enabled) from a JSON object or a two-column CSV."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from smartalloc.domain.errors import input_error
from smartalloc.domain.normalize import clean_text

_TRUE = {"1", "true", "yes", "بلی", "بله", "on", "enabled"}
_FALSE = {"0", "false", "no", "خیر", "off", "disabled"}


def _flag(value: object, file: str, row: int) -> bool:
    if isinstance(value, bool):
        return value
    text = clean_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise input_error("OVERRIDE_BAD_VALUE", f"مقدار «{value}» فعال/غیرفعال نیست",
                      f"value '{value}' is not enabled/disabled", file=file, row=row,
                      column="enabled")


def read_overrides(path: Path) -> dict[str, bool]:
    file = str(path)
    try:
        text = Path(path).read_text("utf-8-sig")
    except OSError as exc:
        raise input_error("OVERRIDE_UNREADABLE", f"فایل استثناها خوانده نشد: {exc}",
                          f"cannot read the overrides file: {exc}", file=file) from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise input_error("OVERRIDE_NOT_JSON", f"JSON نامعتبر: {exc.msg}",
                              f"invalid JSON: {exc.msg}", file=file, row=exc.lineno) from None
        if not isinstance(data, dict):
            raise input_error("OVERRIDE_NOT_OBJECT", "باید یک شیء JSON باشد",
                              "must be a JSON object {mentor_id: true|false}", file=file)
        return {clean_text(k): _flag(v, file, 0) for k, v in data.items()}
    result = {}
    for i, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or (i == 1 and clean_text(row[0]).lower() in {"mentor_id", "شناسه"}):
            continue
        if len(row) < 2:
            raise input_error("OVERRIDE_SHORT_ROW", "ردیف باید دو ستون داشته باشد",
                              "row needs two columns: mentor_id,enabled", file=file, row=i)
        result[clean_text(row[0])] = _flag(row[1], file, i)
    return result
