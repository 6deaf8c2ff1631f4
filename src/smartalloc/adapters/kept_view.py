"""What the pages read of a run's ``explain.sqlite``, and the name index its writer adds.

At 100k students the results page and every name search used to parse the whole file: each
of the 100k decisions from JSON into a ``StudentLine`` (~2 s, ~7 s on a busy machine), then
a name search ran ``match_key`` over every name (0.5–3 s). Neither needs that:

- the results page shows the run's summary (occupancy, unallocated by six keys, plan), kept
  pre-aggregated in one ``meta`` row; a file from before summaries parses only its
  *unallocated* students' decisions (a few thousand), not all of them;
- a search by name asks an FTS5 index of the names' ``match_key`` (trigram tokenizer, so a
  query matches anywhere inside a name, as ``key in match_key(name)`` did), built by the
  writer in the run's own process; a search by national id is one primary-key lookup;
- only the ≤ 50 lines shown are parsed from their decisions.

The index names the key it was built with (meta ``search``): a file without it — written
before the index, or with another key — is searched by the scan, as before.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable

from smartalloc.domain.decision import Decision
from smartalloc.domain.normalize import match_key
from smartalloc.domain.run_results import (
    RunResults,
    StudentLine,
    by_keys,
    from_summary_document,
    student_line,
)

# The key the index holds: bump when ``match_key`` changes what it returns, so that files
# indexed with the older key are searched by the scan (which recomputes the key).
SEARCH_INDEX = "match_key-1"
TRIGRAM = 3        # the trigram tokenizer finds a phrase of 3 characters or more
_CHUNK = 20_000

_DECISION_FIELDS = Decision._fields
# Format 2 stores each decision by field name: a field added later reads as its default from an
# older file, a field dropped later is ignored. Format 1 (no ``format`` row) stored a positional
# list of exactly these fields.
FORMAT = "2"
_FORMAT_1_FIELDS = (
    "index", "national_id", "outcome", "channel", "mentor_id", "mentor_name", "alias",
    "is_school_row", "code", "code_reused", "failure", "reason_fa", "action_fa", "dedupe_reason",
    "allocated_before", "previous_mentor_id", "pool_size", "stage_counts", "runner_up_id",
    "decided_by", "occupancy_before", "allocations_before", "remaining_before")
_INDEX_SCHEMA = "CREATE VIRTUAL TABLE names USING fts5(key, tokenize='trigram')"


def write_name_index(con: sqlite3.Connection,
                     report: Callable[[int, int], None] | None = None) -> None:
    """Index every kept student's name key (rowid = the student row's rowid), in the
    writer's open transaction. A key is computed once per distinct name (names repeat)."""
    con.execute(_INDEX_SCHEMA)
    keys: dict[str, str] = {}
    total = con.execute("SELECT COUNT(*) FROM students").fetchone()[0]
    done, last = 0, -1
    while True:
        rows = con.execute("SELECT rowid, name FROM students WHERE rowid > ? ORDER BY rowid "
                           "LIMIT ?", (last, _CHUNK)).fetchall()
        if not rows:
            break
        con.executemany("INSERT INTO names (rowid, key) VALUES (?, ?)", (
            (rowid, keys.get(name) or keys.setdefault(name, match_key(name)))
            for rowid, name in rows))
        last, done = rows[-1][0], done + len(rows)
        if report is not None:
            report(done, total)
    con.execute("INSERT INTO meta VALUES ('search', ?)", (SEARCH_INDEX,))


def decision_from_stored(stored) -> Decision:
    """A decision as either format stored it (a JSON object, or a format-1 list)."""
    fields = dict(zip(_FORMAT_1_FIELDS, stored, strict=True)) if isinstance(stored, list) \
        else stored
    return Decision(**{f: tuple(v) if isinstance(v, list) else v
                       for f, v in fields.items() if f in _DECISION_FIELDS})


def _line(national_id: str, name: str, stored: str) -> StudentLine:
    return student_line(national_id, name, decision_from_stored(json.loads(stored)))


def summary(con: sqlite3.Connection) -> RunResults:
    """The results page's view without the students' lines (``students`` left empty)."""
    stored = con.execute("SELECT value FROM meta WHERE name = 'results'").fetchone()
    if stored is not None:
        return from_summary_document(json.loads(stored[0]), [])
    # Kept before summaries: what the unallocated students imply (one row per national id).
    failed = []
    for nid, name, keys_text, decision in con.execute(
            "SELECT national_id, name, keys, decision FROM students "
            "WHERE outcome != 'ALLOCATED' ORDER BY idx"):
        failed.append((tuple(map(int, keys_text.split(","))) if keys_text else None,
                       _line(nid, name, decision).failure_class))
    return RunResults(by_keys=by_keys(failed))


def line(con: sqlite3.Connection, national_id: str) -> StudentLine | None:
    row = con.execute("SELECT national_id, name, decision FROM students WHERE national_id = ?",
                      (national_id,)).fetchone()
    return _line(*row) if row else None


def indexed(con: sqlite3.Connection) -> bool:
    found = con.execute("SELECT value FROM meta WHERE name = 'search'").fetchone()
    return found is not None and found[0] == SEARCH_INDEX


def by_name(con: sqlite3.Connection, key: str, limit: int) -> list[StudentLine]:
    """Students whose name key contains ``key`` (a ``match_key``), in the run's order."""
    if not key:
        return []
    if indexed(con):
        if len(key) >= TRIGRAM:
            found = con.execute("SELECT rowid FROM names WHERE names MATCH ? ORDER BY rowid "
                                "LIMIT ?", ('"' + key.replace('"', '""') + '"', limit))
        else:   # too short for a trigram: a scan of the (small) key column, in SQLite
            pattern = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            found = con.execute("SELECT rowid FROM names WHERE key LIKE ? ESCAPE '\\' "
                                "ORDER BY rowid LIMIT ?", (f"%{pattern}%", limit))
        return _lines(con, [r[0] for r in found])
    rowids = []   # an older file: the scan, as before the index (keys computed here)
    for rowid, name in con.execute("SELECT rowid, name FROM students ORDER BY idx"):
        if key in match_key(name):
            rowids.append(rowid)
            if len(rowids) == limit:
                break
    return _lines(con, rowids)


def _lines(con: sqlite3.Connection, rowids: Iterable[int]) -> list[StudentLine]:
    rowids = list(rowids)
    if not rowids:
        return []
    rows = con.execute(f"SELECT national_id, name, decision FROM students WHERE rowid IN "
                       f"({','.join('?' * len(rowids))}) ORDER BY idx", rowids).fetchall()
    return [_line(*r) for r in rows]
