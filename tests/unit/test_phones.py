"""Phone rules of the Sabt export (A.8, FR-47)."""

from __future__ import annotations

import pytest

from smartalloc.domain.phones import normalize_landline, normalize_mobile

PREFIXES = ("3", "5")


@pytest.mark.parametrize(("raw", "expected"), [
    ("09171234567", "09171234567"),
    ("9171234567", "09171234567"),              # 10 digits: Excel dropped the leading 0
    (9171234567, "09171234567"),                # …or stored it as a number
    (9171234567.0, "09171234567"),
    ("۰۹۱۷۱۲۳۴۵۶۷", "09171234567"),              # Persian digits
    ("٠٩١٧١٢٣٤٥٦٧", "09171234567"),              # Arabic-Indic digits
    ("0917 123 4567", "09171234567"),           # spaces
    ("0917-123-4567", "09171234567"),           # dashes
    ("+98 917 123 4567", "09171234567"),
    ("0098-917-123-4567", "09171234567"),
    ("989171234567", "09171234567"),
])
def test_mobile_is_normalised_to_11_digits(raw, expected):
    assert normalize_mobile(raw) == expected


@pytest.mark.parametrize("raw", [
    "", None, "0917123456", "091712345678", "08171234567", "36251234", "1234567890", "abc",
    "0", "00000000000",
])
def test_mobile_that_cannot_be_one_is_blank(raw):
    assert normalize_mobile(raw) == ""


@pytest.mark.parametrize(("raw", "expected"), [
    ("36251234", "36251234"),       # Shiraz 8-digit, starts with 3
    ("۳۶۲۵۱۲۳۴", "36251234"),
    ("3625-1234", "36251234"),
    ("52251234", "52251234"),       # prefix 5 kept too
    ("07136251234", ""),            # with area code: does not start with an allowed prefix
    ("09171234567", ""),            # a mobile in the landline column
    ("12345678", ""),
    ("", ""),
    (None, ""),
])
def test_landline_kept_only_with_an_allowed_prefix(raw, expected):
    assert normalize_landline(raw, PREFIXES) == expected


def test_landline_prefixes_come_from_the_caller():
    assert normalize_landline("71234567", ("7",)) == "71234567"
    assert normalize_landline("36251234", ()) == ""
