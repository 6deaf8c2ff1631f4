"""Iranian national id (کد ملی): normalisation and checksum."""

from __future__ import annotations

from operator import mul

from smartalloc.domain.normalize import digits_only

_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def normalize_national_id(value: object) -> str:
    """Digits only, left-padded with zeros to 10 (a lost leading zero is restored)."""
    digits = digits_only(value)
    if not digits:
        return ""
    return digits.zfill(10) if len(digits) < 10 else digits


def checksum_digit(first_nine: str) -> int:
    """The control digit for the first nine digits."""
    total = sum(map(mul, map(int, first_nine), _WEIGHTS))
    remainder = total % 11
    return remainder if remainder < 2 else 11 - remainder


def is_valid_national_id(national_id: str) -> bool:
    """True for a 10-digit id whose control digit matches and that is not one digit repeated."""
    if len(national_id) != 10 or not national_id.isdecimal():
        return False
    if national_id == national_id[0] * 10:
        return False
    return checksum_digit(national_id[:9]) == int(national_id[9])
