"""The pages' words in gettext catalogs (issue J): every word a template or the web package
asks for is in ``messages.pot`` and translated in the Persian catalog, with the same
placeholders — so a Persian page never shows an English word or a broken ``%(n)s`` — and
``make i18n`` would not change the set of words (nothing extracted is missing, nothing kept is
dead)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from smartalloc.entrypoints.web import i18n, words

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "src/smartalloc/entrypoints/web/locale"
# Words kept as they are in Persian: the names of Kanoon's own files and reports.
SAME_IN_PERSIAN = {"ImportToSabt", "QA"}


def _extracted() -> set[str]:
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**DEFAULT_KEYWORDS, "t": None}   # as `make i18n` (-k t)
    return {message for _, _, message, _, _ in
            extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)}


def _catalog(path: Path, locale: str | None = None):
    with path.open("rb") as po:
        return read_po(po, locale=locale)


@pytest.fixture(scope="module")
def persian():
    return _catalog(LOCALE / "fa/LC_MESSAGES/messages.po", "fa")


def test_the_template_and_the_catalog_hold_exactly_the_words_the_pages_ask_for(persian):
    asked = _extracted()
    template = {m.id for m in _catalog(LOCALE / "messages.pot") if m.id}
    kept = {m.id for m in persian if m.id}
    assert len(asked) > 250
    assert asked - template == set(), "new words: run `make i18n` and translate them"
    assert template - asked == set(), "words no page asks for: run `make i18n`"
    assert kept == template


def test_every_word_is_translated_with_the_same_placeholders(persian):
    untranslated = [m.id for m in persian if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []
    assert [m.id for m in persian if m.id and m.string == m.id
            and m.id not in SAME_IN_PERSIAN] == []
    problems = [(m.id, [str(e) for e in errors]) for m, errors in persian.check() if errors]
    assert problems == []
    assert not persian.fuzzy


def test_the_pages_translate_through_the_catalog(persian):
    fa, en = i18n.translator("fa"), i18n.translator("en")
    some = next(m for m in persian if m.id and "%(" in m.id)
    assert fa(some.id) == some.string and en(some.id) == some.id
    assert fa("%(n)s overrides saved for the next run.", n="۳") == "۳ استثنا برای اجرای بعدی ذخیره شد."
    assert i18n.both(words.HTTP_ERRORS[413]) == {"message_fa": "فایل بیش از حد بزرگ است.",
                                                 "message_en": "The file is too large."}


def test_a_word_chosen_at_run_time_is_marked_for_the_translator(persian):
    kept = {m.id for m in persian if m.id}
    chosen = {w for family in words.FAMILIES.values() for w in family.values()}
    chosen |= set(words.STEPS.values()) | set(words.HTTP_ERRORS.values()) | {words.OTHER_ERROR}
    assert chosen - kept == set()
    assert words.message_id("state", "succeeded") == "succeeded"
    assert words.message_id("state", "paused") == "paused"   # a new code shows, never hidden
