"""Every code that can reach a workbook has the operators' word for it (issue J), in Persian
and English, and the modules that label codes take their words from the one glossary."""

from __future__ import annotations

from smartalloc.domain import glossary
from smartalloc.domain.decision import STAGE_LABELS_FA, STAGES, FailureClass, Outcome
from smartalloc.domain.policy import Channel, RankingRule
from smartalloc.domain.qa import DESCRIPTIONS_FA, QaStatus
from smartalloc.domain.ranking import RULE_LABELS_FA
from smartalloc.domain.reasons import CHANNEL_LABELS_FA


def test_every_code_has_a_persian_and_an_english_label():
    for enum, table in ((Outcome, glossary.OUTCOMES), (FailureClass, glossary.FAILURE_CLASSES),
                        (Channel, glossary.CHANNELS), (RankingRule, glossary.RANKING_RULES),
                        (QaStatus, glossary.QA_STATUSES)):
        assert set(table) == {str(m) for m in enum}, enum
    assert set(glossary.STAGES) == set(STAGES)
    assert set(glossary.QA_RULES) == set(DESCRIPTIONS_FA)
    for name, table in glossary.ALL.items():
        fa = [t.fa for t in table.values()]
        assert all(fa) and all(t.en for t in table.values()), name
        assert len(set(fa)) == len(fa), name          # two codes never read alike
        assert not any(str(code) in fa for code in table), name


def test_the_channel_words_are_the_agencys():
    assert [glossary.fa(glossary.CHANNELS, c) for c in Channel] == [
        "مدرسه", "گلستان", "صدرا", "عمومی"]
    assert glossary.fa(glossary.CHANNELS, Channel.SADRA) == "صدرا"     # an enum looks up too
    assert glossary.fa(glossary.FAILURE_CLASSES, "") == ""
    assert glossary.fa(glossary.FAILURE_CLASSES, "NEW_CODE") == "NEW_CODE"  # shown, not hidden
    assert (glossary.yes_no(True), glossary.yes_no(False)) == ("بله", "خیر")


def test_older_label_tables_are_the_glossarys():
    assert glossary.labels_fa(glossary.RANKING_RULES) == RULE_LABELS_FA
    assert glossary.labels_fa(glossary.STAGES) == STAGE_LABELS_FA
    assert glossary.labels_fa(glossary.CHANNELS) == CHANNEL_LABELS_FA


def test_meta_rows_label_keys_and_keep_the_codes():
    rows = glossary.meta_rows({"qa_status": "PASSED_QA", "count_CAPACITY_FULL": 3,
                               "input_a.xlsx": "ff", "odd": True}, lambda v: v)
    assert rows == [("کنترل کیفیت", "کنترل کیفیت: قبول", "qa_status", "PASSED_QA"),
                    ("شمار: ظرفیت پر", 3, "count_CAPACITY_FULL", 3),
                    ("اثر انگشت SHA-256 فایل a.xlsx", "ff", "input_a.xlsx", "ff"),
                    ("odd", "بله", "odd", True)]


def test_the_glossary_document_is_the_glossary():
    """docs/glossary.md is rendered from the module (tools/glossary_doc.py): never edited apart."""
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("glossary_doc", root / "tools" / "glossary_doc.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert (root / "docs" / "glossary.md").read_text(encoding="utf-8") == tool.render()
