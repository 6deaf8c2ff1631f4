"""Digits that are not decimal digits ("²", "½", "①") are text, never a crash: Python's
str.isdigit() accepts them and int() refuses them (found by the fuzzer in a crosswalk cell)."""

from __future__ import annotations

import pytest

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
