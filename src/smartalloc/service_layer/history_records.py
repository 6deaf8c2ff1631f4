"""Use cases over the recorded allocations: look a student up, seed history from elsewhere.

Thin on purpose: the rules that matter (a student and a code are allocated once) are the
store's constraints and the run's; these handlers are where an entry point reaches history,
so the CLI, the API and the pages share one way in.
"""

from __future__ import annotations

from collections.abc import Sequence

from smartalloc.domain.national_id import normalize_national_id
from smartalloc.domain.records import HistoryEntry
from smartalloc.service_layer.ports import HistoryRecords


def search(store: HistoryRecords, national_id: str) -> list[HistoryEntry]:
    """The recorded allocation of a national id as typed (Persian or Arabic digits, spaces)."""
    return store.search(normalize_national_id(national_id))


def of_mentor(store: HistoryRecords, mentor_id: str, limit: int = 1000) -> list[HistoryEntry]:
    """The students history records for a mentor (the first ``limit``, by code)."""
    return store.of_mentor(mentor_id.strip(), limit)


def import_seed(store: HistoryRecords, entries: Sequence[HistoryEntry]) -> int:
    """Earlier allocations (a history seed) into the store; returns how many were new."""
    return store.import_entries(entries)
