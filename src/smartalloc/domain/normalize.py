"""Text and number normalisation shared by every reader and rule (spec pipeline step 1).

Kanoon workbooks mix Persian, Arabic and Latin digits, Arabic ي/ك, bidi marks and numbers
stored as text ("10.0"). Every comparison goes through these functions so that a value
means the same thing wherever it is read.
"""

from __future__ import annotations

import re
import unicodedata

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "أ": "ا", "إ": "ا"})
# Bidi controls, BOM and ZWJ are noise everywhere; ZWNJ (U+200C) is a letter joiner in words.
_BIDI = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u200d\u200b\u00ad"))
_SPACES = re.compile(r"\s+")
_FLOAT_INT = re.compile(r"^([+-]?\d+)\.0+$")
_KEY_DROP = re.compile(r"[^\w]+")


def clean_text(value: object) -> str:
    """Display normalisation: unify letters and digits, drop bidi marks, collapse spaces.

    ZWNJ is kept (it is part of Persian words); ``None`` becomes "". ASCII digits (codes, ids,
    phones: most cells of the roster and the reports) are returned as they are, which every
    step below would leave them.
    """
    if value.__class__ is str and value.isdigit() and value.isascii():
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value).translate(_BIDI).translate(_DIGITS).translate(_LETTERS)
    text = text.replace("\u00a0", " ")
    text = _SPACES.sub(" ", text).strip()
    match = _FLOAT_INT.match(text)
    return match.group(1) if match else text


def match_key(value: object) -> str:
    """Comparison key: ``clean_text`` plus NFKD without diacritics, no ZWNJ/punctuation, lower case."""
    text = clean_text(value)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("\u200c", " ")
    text = _KEY_DROP.sub(" ", text)
    return _SPACES.sub(" ", text).strip().lower()


def name_key(value: object) -> str:
    """Key of a name (D16 step 1): ``match_key`` with ZWNJ, spaces and punctuation dropped.

    «مدیر صدرا‌پور» (ZWNJ), «مدیر صدراپور» and «مدير صدرا پور» are one manager: an operator
    types the joiner, a space or nothing at random, and Kanoon's exports mix Arabic and Persian
    letters. Used for manager names and for headers (`مرکز ثبت‌نام` = `مرکز ثبت نام`).
    """
    return match_key(value).replace(" ", "")


def parse_int(value: object) -> int | None:
    """An integer from a cell that may be text, float or Persian digits; None if empty/not an int."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = clean_text(value).replace(",", "")
    if not text:
        return None
    if text.lstrip("+-").isdecimal():   # not isdigit: "²" is a digit int() refuses
        return int(text)
    return None


def digits_only(value: object) -> str:
    """All ASCII digits of a value, in order (phones and ids written with spaces or dashes)."""
    return "".join(ch for ch in clean_text(value) if ch.isdecimal())


_NATURAL = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple:
    """Natural sort key: EMP-2 < EMP-10 < EMP-102; numbers compare as numbers (D6)."""
    parts = _NATURAL.split(text)
    return tuple((0, int(p), "") if p.isdecimal() else (1, 0, p) for p in parts if p != "")
