"""The UI's two languages: Persian (default, right-to-left) and English; Jalali dates.

The pages' words live in gettext catalogs (``locale/``, Babel): the message ids are the English
words, ``locale/fa/LC_MESSAGES/messages.po`` holds their Persian — the file a translator edits.
``make i18n`` extracts the ids from the templates and this package into ``messages.pot`` and
merges them into the catalog; a test holds the catalog complete, so a page never shows an
untranslated word. Domain codes are the glossary's (``domain.glossary``), not the catalog's.
"""

from __future__ import annotations

import gettext
import io
from datetime import UTC, date, datetime
from pathlib import Path

import jdatetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from fastapi import Request
from jinja2 import pass_context

from smartalloc.entrypoints.clock import tehran

LANGS = ("fa", "en")
LANG_COOKIE = "smartalloc_lang"
_FA_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

CATALOG_DIR = Path(__file__).with_name("locale")
DOMAIN = "messages"


def _load(lang: str) -> gettext.NullTranslations:
    """The language's catalog, compiled in memory from its ``.po`` (the file a translator
    edits; no ``.mo`` to rebuild or to go stale). English is the message ids themselves."""
    if lang == "en":
        return gettext.NullTranslations()
    with (CATALOG_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out: the English shows instead
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


TRANSLATIONS: dict[str, gettext.NullTranslations] = {lang: _load(lang) for lang in LANGS}


def lang_of(request: Request) -> str:
    """``?lang=`` wins (and is remembered in a cookie), then the cookie, then Persian."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    kept = request.cookies.get(LANG_COOKIE)
    return kept if kept in LANGS else "fa"


def translator(lang: str):
    """``t(message_id, **values)`` in ``lang``: the catalog's words, ``%(name)s`` filled in —
    the same rule as the templates' ``_()`` (Jinja's i18n extension, new style)."""
    gettext_ = TRANSLATIONS[lang].gettext

    def t(message: str, **values: object) -> str:
        text = gettext_(message)
        return text % values if values else text
    return t


def both(message: str, **values: object) -> dict[str, str]:
    """A message in both languages, as the API's problem items carry it."""
    return {"message_fa": translator("fa")(message, **values),
            "message_en": translator("en")(message, **values)}


@pass_context
def page_gettext(context, message: str) -> str:
    """The templates' ``_()``: the catalog of the page being rendered (its ``lang``)."""
    return TRANSLATIONS[context.get("lang", "fa")].gettext(message)


@pass_context
def page_ngettext(context, singular: str, plural: str, n: int) -> str:
    return TRANSLATIONS[context.get("lang", "fa")].ngettext(singular, plural, n)


def persian_digits(text: str) -> str:
    """Latin digits as Persian ones (running text on a Persian page), nothing else changed."""
    return text.translate(_FA_DIGITS)


def digits(value: object, lang: str) -> str:
    """Numbers in Persian digits on Persian pages (ids are shown as they are typed)."""
    text = f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
    return text.replace(",", "٬").translate(_FA_DIGITS) if lang == "fa" else text


def jalali(value: str | datetime | date | None, lang: str = "fa", *, time: bool = True) -> str:
    """A Jalali (Solar Hijri) date, Tehran time: ``۱۴۰۴/۰۸/۲۷ ۱۳:۰۵``.

    Accepts an ISO timestamp (UTC when it has no zone), a datetime or a date; a string that is
    already a Jalali date (``1404-08-27``, year < 1700) is kept and only reformatted."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        head = value[:10].replace("/", "-")
        if head[:4].isdecimal() and int(head[:4]) < 1700:
            text = head.replace("-", "/") + (" " + value[11:16] if time and len(value) > 15 else "")
            return text.translate(_FA_DIGITS) if lang == "fa" else text
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        text = tehran(value).strftime("%Y/%m/%d %H:%M" if time else "%Y/%m/%d")
    else:
        text = jdatetime.date.fromgregorian(date=value).strftime("%Y/%m/%d")
    return text.translate(_FA_DIGITS) if lang == "fa" else text
