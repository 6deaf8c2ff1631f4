"""Phone rules of the ImportToSabt export (A.8, FR-47).

Sabt rejects malformed numbers, so a phone is either written in its canonical form (11-digit
``09…`` mobile, landline with an allowed prefix) or left blank; it is never guessed at.
Values are usually already clean ASCII digits (readers clean every cell), so that case skips the
slower generic normalisation: ``build_sabt`` calls these four times per student.
"""

from __future__ import annotations

from collections.abc import Sequence

from smartalloc.domain.normalize import digits_only


def phone_digits(value: object) -> str:
    """``digits_only``, without its cleaning for a value already of ASCII digits alone."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return value
    return digits_only(value)


def normalize_mobile(value: object) -> str:
    """An 11-digit ``09…`` mobile, or "" when the value cannot be one.

    Accepts Persian/Arabic digits, spaces, dashes, ``+98``/``0098``/``98`` prefixes and a
    10-digit value that lost its leading 0 (Excel stored it as a number).
    """
    if isinstance(value, str) and len(value) == 11 and value[:2] == "09" and value.isdigit():
        return value if value.isascii() else digits_only(value)
    digits = phone_digits(value)
    if digits.startswith("0098"):
        digits = digits[4:]
    elif digits.startswith("98") and len(digits) == 12:
        digits = digits[2:]
    if len(digits) == 10 and digits[0] == "9":
        digits = "0" + digits
    if len(digits) == 11 and digits.startswith("09"):
        return digits
    return ""


def normalize_landline(value: object, prefixes: Sequence[str]) -> str:
    """The landline's digits when they start with an allowed prefix (Shiraz: 3 or 5), else ""."""
    digits = phone_digits(value)
    if digits and digits.startswith(tuple(prefixes)):
        return digits
    return ""
