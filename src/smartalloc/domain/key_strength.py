"""The secrets an operator sets — the JWT signing secret and the pseudonym key
(``SMARTALLOC_EVENT_KEY``) — are refused when they can be guessed.

A short, repetitive or documented value lets anyone sign a token or reverse a pseudonym: the
national ids of a year are ~10⁷ values, so a pseudonym under a known key falls in seconds
(issue I). Refused at start-up, by name, never printed.
"""

from __future__ import annotations

from smartalloc.domain.errors import InputError, Problem

MIN_LENGTH = 32
MIN_DISTINCT = 12      # a random hex string of 32+ characters has ~16; "a" * 32 has 1
# Values shown in documentation and examples: a copied example is no secret.
EXAMPLES = frozenset({"change-me", "changeme", "secret", "smartalloc-development-key",
                      "your-secret-here"})


def weakness(value: str) -> str | None:
    """Why ``value`` is not a usable secret (None when it is)."""
    if not value:
        return "missing"
    if value.lower() in EXAMPLES or value.lower().startswith("change-me"):
        return "an example value"
    if len(value) < MIN_LENGTH:
        return f"shorter than {MIN_LENGTH} characters"
    if len(set(value)) < MIN_DISTINCT:
        return f"fewer than {MIN_DISTINCT} different characters"
    return None


def check_secret(name: str, value: str) -> None:
    """Raise an ``InputError`` naming the variable (never its value) if the secret is weak."""
    why = weakness(value)
    if why is None:
        return
    code = "SECRET_MISSING" if why == "missing" else "SECRET_WEAK"
    raise InputError(Problem(
        code, f"متغیر {name} لازم است: دست‌کم {MIN_LENGTH} نویسهٔ تصادفی، مثلاً خروجی "
              f"`python -c 'import secrets; print(secrets.token_urlsafe(48))'`",
        f"set {name} to a random secret ({why}): at least {MIN_LENGTH} characters, e.g. "
        f"`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"))
