"""The terminal's run summary speaks the operator's words (Persian / English, the meta sheet's
labels), never a machine code: a failure class or QA status on screen is a label."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from smartalloc.domain import glossary
from smartalloc.entrypoints import render
from smartalloc.service_layer.run_reports import RunResult


def test_the_run_summary_names_counts_and_qa_in_words(monkeypatch) -> None:
    screen = Console(record=True, width=200)
    monkeypatch.setattr(render, "console", screen)
    counts = {"students": 12, "allocated": 9, "CAPACITY_FULL": 2, "ELIGIBILITY_NO_MATCH": 1}
    render.show_run(RunResult("r1", Path("."), [], counts, "FAILED_QA", {"read": 0.5}))
    text = screen.export_text()
    for code in (*glossary.FAILURE_CLASSES, *glossary.QA_STATUSES, "codes_reused",
                 "allocated_earlier"):
        assert code not in text
    assert "ظرفیت پر / capacity full" in text and "بدون پشتیبان واجد شرایط" in text
    assert glossary.QA_STATUSES["FAILED_QA"].fa in text
    assert "دانش‌آموزان / students" in text
