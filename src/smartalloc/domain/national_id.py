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


# Weighted digit sums of every three-digit chunk of the first nine digits: a batch checks
# 10⁵ ids, and three table lookups are ~4× faster than summing nine products.
_CHUNKS = tuple(tuple(sum(map(mul, map(int, f"{n:03d}"), _WEIGHTS[i:i + 3])) for n in range(1000))
                for i in (0, 3, 6))


def is_valid_national_id(national_id: str) -> bool:
    """True for a 10-digit id whose control digit matches and that is not one digit repeated."""
    if len(national_id) != 10 or not national_id.isdecimal():
        return False
    if national_id == national_id[0] * 10:
        return False
    first, second, third = _CHUNKS
    remainder = (first[int(national_id[:3])] + second[int(national_id[3:6])]
                 + third[int(national_id[6:9])]) % 11
    return (remainder if remainder < 2 else 11 - remainder) == int(national_id[9])

