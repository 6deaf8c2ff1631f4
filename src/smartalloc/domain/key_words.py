"""A six-key combination in the operators' words (issue J, Why 2: "35, 1, 1, 2, 0, 143" meant
nothing on a page): group 35, boys, student, Sadra, normal finance, school 143.

The keys are the spec's integer codes (D1, in ``JOIN_KEYS`` order: group, gender, graduation
status, centre, finance, school); the meanings are the spec's (gender 0 girl / 1 boy; status
1 student / 0 graduate; finance 0 normal / 1 Bonyad-e-Shahid / 3 Hekmat; centre 0 central /
1 Golestan / 2 Sadra; school 0 = no school). A code outside them is shown as the code. The words are the glossary's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from smartalloc.domain.glossary import CENTRES, FINANCES, GENDERS, GRADUATION_STATUSES


def _int(value: object) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _word(table: Mapping, value: object, lang: str, fallback: str) -> str:
    found = table.get(_int(value))
    return fallback if found is None else (found.fa if lang == "fa" else found.en)


def describe_keys(keys: Sequence[object], lang: str = "fa") -> str:
    """``(35, 1, 1, 2, 0, 143)`` → «گروه 35، پسر، دانش‌آموز، صدرا، عادی، مدرسه 143»."""
    if len(keys) != 6:
        return ", ".join(map(str, keys))
    group, gender, status, centre, finance, school = keys
    fa = lang == "fa"
    parts = [
        f"گروه {group}" if fa else f"group {group}",
        _word(GENDERS, gender, lang, f"{'جنسیت' if fa else 'gender'} {gender}"),
        _word(GRADUATION_STATUSES, status, lang, f"{'وضعیت' if fa else 'status'} {status}"),
        _word(CENTRES, centre, lang, f"{'مرکز' if fa else 'centre'} {centre}"),
        _word(FINANCES, finance, lang, f"{'مالی' if fa else 'finance'} {finance}"),
        ("سراسری" if fa else "any school") if _int(school) == 0   # the spec's general rows
        else (f"مدرسه {school}" if fa else f"school {school}"),
    ]
    return ("، " if fa else ", ").join(parts)
