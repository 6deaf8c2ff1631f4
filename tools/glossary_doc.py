"""Write docs/glossary.md from the one glossary (``smartalloc.domain.glossary``): every code the
system shows people, in the operators' Persian and in English. ``tests/unit/test_glossary.py``
holds the document equal to this rendering, so the two never drift.

    .venv/bin/python tools/glossary_doc.py          # rewrites docs/glossary.md
"""

from __future__ import annotations

import sys
from pathlib import Path

from smartalloc.domain import glossary

DOC = Path(__file__).resolve().parents[1] / "docs" / "glossary.md"
TITLES = {
    "outcome": "نتیجهٔ تخصیص / allocation outcome",
    "failure_class": "علت تخصیص‌نیافتن / why a student was not allocated",
    "channel": "کانال تخصیص / allocation channel",
    "recorded_channel": "کانال ثبت‌شده در سابقه / channel recorded in history (review included)",
    "ranking_rule": "معیار رتبه‌بندی / ranking rule",
    "stage": "مرحله‌های انتخاب پشتیبان / the 8 stages",
    "centre": "مرکز / centre (join key)",
    "gender": "جنسیت / gender (join key)",
    "graduation_status": "وضعیت تحصیلی / graduation status (join key)",
    "finance": "وضعیت مالی / finance (join key)",
    "mentor_status": "وضعیت پشتیبان / mentor status",
    "qa_status": "وضعیت کنترل کیفیت / QA status",
    "qa_result": "نتیجهٔ یک قاعده / a QA rule's result",
    "qa_rule": "قاعده‌های کنترل کیفیت / QA rules",
    "boolean": "بله و خیر / yes and no",
}


def render() -> str:
    lines = ["# واژه‌نامه / Glossary", "",
             "The operators' words for every code the system shows people — on the pages, in "
             "the CLI's messages and in the workbooks (where the code itself stays in a column "
             "headed «… (کد)»). Generated from `src/smartalloc/domain/glossary.py` by "
             "`tools/glossary_doc.py`; edit the module, not this file.", ""]
    tables = [*glossary.ALL.items(), ("run_fact", glossary.RUN_FACTS)]
    for name, table in tables:
        title = TITLES.get(name, "مشخصات اجرا / the run's facts (meta sheets)")
        lines += [f"## {title}", "", "| code | فارسی | English |", "| --- | --- | --- |"]
        lines += [f"| `{code}` | {term.fa} | {term.en} |" for code, term in table.items()]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {DOC}\n")
