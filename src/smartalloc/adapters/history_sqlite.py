"""History store on a SQLite file: the embedded default (FR-HIST-01, FR-EXPORT-02).

One row per allocated national id (the primary key is what makes "never allocated twice" hold
even if two runs race), the runs with their input hashes and QA status, all written in one
transaction together with the publication of the workbooks.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path

from smartalloc.domain.errors import HistoryError, Problem
from smartalloc.domain.records import HistoryEntry
from smartalloc.service_layer.ports import RunRecord

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, started_at TEXT, policy_stamp TEXT NOT NULL,
    inputs_json TEXT NOT NULL, counts_json TEXT NOT NULL, qa_status TEXT NOT NULL, out_dir TEXT
);
CREATE TABLE IF NOT EXISTS history (
    national_id TEXT PRIMARY KEY, mentor_id TEXT NOT NULL, registration_code TEXT NOT NULL UNIQUE,
    group_code INTEGER NOT NULL, gender INTEGER NOT NULL, graduation_status INTEGER NOT NULL,
    center INTEGER NOT NULL, finance INTEGER NOT NULL, school_code INTEGER NOT NULL,
    channel TEXT NOT NULL, allocated_at TEXT, run_id TEXT NOT NULL, policy_stamp TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS history_mentor ON history(mentor_id);
"""


class SqliteHistoryStore:
    """``HistoryStore`` port on a SQLite file (created on first use)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.executescript(SCHEMA)
            return conn
        except (sqlite3.Error, OSError) as exc:
            raise HistoryError(Problem(
                "HISTORY_UNAVAILABLE", f"پایگاه سابقه باز نشد: {self.path} ({exc})",
                f"cannot open the history store {self.path}: {exc}")) from exc

    def load(self, exclude_runs: Sequence[str] = ()) -> list[HistoryEntry]:
        with closing(self._connect()) as conn:
            rows = conn.execute(
                "SELECT national_id, mentor_id, registration_code, group_code, gender, "
                "graduation_status, center, finance, school_code, channel, allocated_at, run_id, "
                "policy_stamp FROM history ORDER BY national_id").fetchall()
        skip = set(exclude_runs)
        return [HistoryEntry(r[0], r[1], r[2], tuple(r[3:9]), r[9], r[10] or "", r[11], r[12])
                for r in rows if r[11] not in skip]

    def runs_with_input(self, sha256: str) -> list[str]:
        """Ids of runs that read an input file with this hash."""
        with closing(self._connect()) as conn:
            rows = conn.execute("SELECT run_id, inputs_json FROM runs").fetchall()
        return [run_id for run_id, inputs in rows if sha256 in json.loads(inputs).values()]

    def record(self, run: RunRecord, entries: Sequence[HistoryEntry],
               before_commit: Callable[[], object]) -> None:
        with closing(self._connect()) as conn:
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(
                    "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (run.run_id, run.started_at, run.policy_stamp,
                     json.dumps(run.inputs, ensure_ascii=False, sort_keys=True),
                     json.dumps(run.counts, sort_keys=True), run.qa_status, run.out_dir))
                self._insert(conn, entries)
                before_commit()
                conn.execute("COMMIT")
            except sqlite3.IntegrityError as exc:
                conn.execute("ROLLBACK")
                raise HistoryError(Problem(
                    "HISTORY_CONFLICT", f"سابقه با داده‌های قبلی تعارض دارد: {exc}",
                    f"history conflicts with earlier allocations: {exc}")) from exc
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @staticmethod
    def _insert(conn: sqlite3.Connection, entries: Sequence[HistoryEntry]) -> None:
        conn.executemany(
            "INSERT INTO history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(e.national_id, e.mentor_id, e.code, *e.keys, e.channel, e.allocated_at, e.run_id,
              e.policy_stamp) for e in entries])

    def import_entries(self, entries: Sequence[HistoryEntry]) -> int:
        """Load a history seed (earlier allocations made elsewhere); existing ids are kept."""
        with closing(self._connect()) as conn:
            conn.execute("BEGIN IMMEDIATE")
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(e.national_id, e.mentor_id, e.code, *e.keys, e.channel, e.allocated_at,
                  e.run_id, e.policy_stamp) for e in entries])
            conn.execute("COMMIT")
            return conn.total_changes - before

    def search(self, national_id: str) -> list[HistoryEntry]:
        return [e for e in self.load() if e.national_id == national_id]
