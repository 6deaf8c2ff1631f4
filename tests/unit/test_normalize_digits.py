"""Digits that are not decimal digits ("²", "½", "①") are text, never a crash: Python's
str.isdigit() accepts them and int() refuses them (found by the fuzzer in a crosswalk cell)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartalloc.domain.national_id import is_valid_national_id
from smartalloc.domain.normalize import digits_only, natural_key, parse_int


@pytest.mark.parametrize("odd", ["²", "12²", "½", "①", "⁵⁵"])
def test_non_decimal_digits_are_not_numbers(odd: str) -> None:
    assert parse_int(odd) is None
    assert digits_only(odd) == "".join(c for c in odd if c in "0123456789")
    assert natural_key(f"EMP-{odd}")          # a key, not a ValueError
    assert not is_valid_national_id(odd.rjust(10, "1"))


def test_persian_and_arabic_digits_still_count() -> None:
    assert parse_int("۱۲۳") == 123 and parse_int("١٢٣") == 123
    assert natural_key("EMP-2") < natural_key("EMP-10")


class _Text(str):
    """A text ``clean_text`` cannot take its shortcut for (not exactly ``str``)."""


@given(st.text(alphabet="0123456789٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹²³¹ \u00a0\u200c\u200e\t.,-ABCيكي"))
def test_clean_text_returns_ascii_digits_as_they_are_and_cleans_the_rest_as_before(text):
    """``clean_text`` returns a text of ASCII digits untouched without cleaning it (issue P):
    what the full cleaning (taken by a ``str`` subclass) gives. Anything else is cleaned:
    Persian and Arabic digits become ASCII, marks and extra spaces go, as before."""
    from smartalloc.domain.normalize import clean_text

    cleaned = clean_text(text)
    if text.isascii() and text.isdigit():
        assert cleaned is text
    assert cleaned == clean_text(_Text(text))
