"""A run's decisions for the review list (issue K), read from its kept ``explain.sqlite``.

The review list needs few of a run's students — the unallocated, those on a placeholder
mentor, those the audit or a flag names — so it asks the file's ``students`` table for just
those (by its ``outcome`` and ``mentor_id`` columns and its primary key) and parses only their
decisions: at 100k students a few thousand rows, never the whole run (issue J's lesson).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterator
from pathlib import Path

from smartalloc.adapters.kept_view import decision_from_stored
from smartalloc.domain.decision import Outcome
from smartalloc.domain.review_list import Decided
from smartalloc.domain.run_results import PlanLine, from_summary_document

_CHUNK = 500      # SQLite's host parameters per statement stay well under its limit
_COLUMNS = "national_id, keys, outcome, mentor_id, decision"


class KeptDecisions:
    """``RunDecisions`` on a run's kept file (read-only, one short connection per call)."""

    def __init__(self, path: Path, run_id: str):
        self.path, self.run_id = Path(path), run_id
        self._mentors: dict[str, tuple[str, str]] | None = None

    def exists(self) -> bool:
        return self.path.is_file()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)

    def mentors(self) -> dict[str, tuple[str, str]]:
        """Each mentor the run gave students → (name, postal alias) as its decisions read
        them. A school row's alias, and a Normal row's when the postal code was unusable
        (``postal_or_fallback_mentor_id``), is the mentor id — no postal alias, so "" (a
        mentor id in a placeholder range is not a placeholder). Two scans of the file: each
        mentor's first decision, and its first on a Normal row (format 2 stores decisions as
        JSON objects, so ``"is_school_row":true`` finds the others; a format-1 file's first
        decision stands)."""
        if self._mentors is not None:
            return self._mentors
        first = ("SELECT mentor_id, decision FROM students WHERE rowid IN (SELECT MIN(rowid) "
                 "FROM students WHERE mentor_id != '' {} GROUP BY mentor_id)")
        found: dict[str, tuple[str, str]] = {}
        con = self._connect()
        try:
            for query in (first.format(""), first.format("AND decision NOT LIKE ?")):
                args = () if "?" not in query else ('%"is_school_row":true%',)
                for mentor, stored in con.execute(query, args):
                    d = decision_from_stored(json.loads(stored))
                    postal = "" if d.is_school_row or d.alias == mentor else d.alias
                    found[mentor] = (d.mentor_name, postal or found.get(mentor, ("", ""))[1])
        finally:
            con.close()
        self._mentors = found
        return found

    def decided(self, *, mentors: Collection[str],
                national_ids: Collection[str]) -> list[Decided]:
        con = self._connect()
        try:
            rows = {r[0]: r for r in con.execute(
                f"SELECT {_COLUMNS} FROM students WHERE outcome != ?", (str(Outcome.ALLOCATED),))}
            for part, column in ((sorted(mentors), "mentor_id"),
                                 (sorted(national_ids), "national_id")):
                for chunk in _chunks(part):
                    rows.update((r[0], r) for r in con.execute(
                        f"SELECT {_COLUMNS} FROM students WHERE {column} IN "
                        f"({','.join('?' * len(chunk))})", chunk))
        finally:
            con.close()
        return [self._decided(*row) for _, row in sorted(rows.items())]

    def _decided(self, national_id: str, keys: str | None, outcome: str, mentor_id: str,
                 stored: str) -> Decided:
        d = decision_from_stored(json.loads(stored))
        allocated = outcome == Outcome.ALLOCATED
        return Decided(national_id, self.run_id, mentor_id if allocated else "",
                       "" if d.failure is None else str(d.failure), d.reason_fa,
                       tuple(int(k) for k in keys.split(",")) if keys else None)

    def contains(self, national_ids: Collection[str]) -> set[str]:
        con = self._connect()
        try:
            return {nid for chunk in _chunks(sorted(national_ids)) for (nid,) in con.execute(
                f"SELECT national_id FROM students WHERE national_id IN "
                f"({','.join('?' * len(chunk))})", chunk)}
        finally:
            con.close()

    def plan(self) -> list[PlanLine]:
        con = self._connect()
        try:
            stored = con.execute("SELECT value FROM meta WHERE name = 'results'").fetchone()
        finally:
            con.close()
        return from_summary_document(json.loads(stored[0]), []).plan if stored else []


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]
