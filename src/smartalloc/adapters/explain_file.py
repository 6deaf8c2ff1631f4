"""A run's explanations, kept beside its workbooks as one SQLite file (``explain.sqlite``).

Written once, in the run's staging folder, so it is published (or discarded) with the
workbooks. It holds what the run decided on, compactly: each decision, the pool's starting
state, who was given a mentor in which order, and per key combination the stage funnel and the
candidates. A lookup ranks the student's candidates as the engine did at that moment (the
number of students each candidate had been given before the student is one indexed count) —
no replay, and a later mentor status change or a later run does not change what it says.
Beside them (issue J): the restricted mentors' allowed schools and channels (meta
``restricted``), and per student the notes a decision alone cannot tell (table ``notes``: every
row of a repeated national id, where a reused code came from). A file written before these
reads as before: no restriction named, no notes.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path

from smartalloc.adapters import kept_view
from smartalloc.adapters.kept_view import _FORMAT_1_FIELDS, FORMAT, decision_from_stored
from smartalloc.domain.candidates import Candidate
from smartalloc.domain.contracts import StudentCol
from smartalloc.domain.explain import (
    PoolState,
    PoolView,
    stage_steps,
    typed_mentor_ids,
    why_not,
)
from smartalloc.domain.explain_notes import suggested_action
from smartalloc.domain.policy import RankingRule
from smartalloc.domain.run_results import (
    RunResults,
    StudentLine,
    by_keys,
    from_summary_document,
    student_line,
    summary_document,
)
from smartalloc.domain.run_trace import RunTrace
from smartalloc.service_layer.progress import step

_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE combos (keys TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE students (national_id TEXT PRIMARY KEY, idx INTEGER NOT NULL, name TEXT NOT NULL,
                       keys TEXT, outcome TEXT NOT NULL, mentor_id TEXT NOT NULL,
                       decision TEXT NOT NULL);
CREATE TABLE given (idx INTEGER PRIMARY KEY, mentor INTEGER NOT NULL);
CREATE INDEX given_mentor ON given (mentor, idx);
CREATE TABLE notes (national_id TEXT PRIMARY KEY, data TEXT NOT NULL);
"""
_CHUNK = 20_000
__all__ = ["FORMAT", "_FORMAT_1_FIELDS", "ExplainFile", "decision_from_stored",
           "write_explain_file"]


def _keys_text(keys) -> str | None:
    return None if keys is None else ",".join(map(str, keys))


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _name(student) -> str:
    return " ".join(p for p in (student.value(StudentCol.FIRST_NAME),
                                student.value(StudentCol.LAST_NAME)) if p)


def write_explain_file(path: Path, trace: RunTrace, results: RunResults | None = None) -> None:
    """Everything ``ExplainFile.find`` needs, for every student of the run, the results
    page's per-run view (``ExplainFile.summary``) and the index its name search asks
    (``kept_view``)."""
    view, state, students = trace.view, trace.state, trace.students
    step("explain", 0, len(trace.decisions))
    con = sqlite3.connect(path)
    try:
        con.executescript(_SCHEMA)
        con.executemany("INSERT INTO meta VALUES (?, ?)", [
            ("format", FORMAT),
            ("state", _dumps(dataclasses.asdict(state))),
            ("dropped", _dumps({k: list(v) for k, v in view.dropped.items()})),
            ("rules", _dumps([r.value for r in view.rules])),
            ("restricted", _dumps({k: [list(a), list(b)] for k, (a, b) in view.restricted.items()})),
            *([("results", _dumps(summary_document(results)))] if results else [])])
        combos = list(trace.candidates.items())
        for start in range(0, len(combos), _CHUNK // 10):   # ~1 s a chunk at 100k
            con.executemany("INSERT INTO combos VALUES (?, ?)", (
                (_keys_text(k), zlib.compress(_dumps({
                    "funnel": [format(m, "x") for m in view.funnels[k]],
                    "candidates": [[c.mentor, c.alias, c.is_school_row] for c in cands]
                }).encode())) for k, cands in combos[start:start + _CHUNK // 10]))
            step("combos", min(len(combos), start + _CHUNK // 10), len(combos))
        # A national id repeated in the report is explained by its first row (as explain does).
        decisions, total = trace.decisions, len(trace.decisions)
        for start in range(0, total, _CHUNK):   # ~1 s a chunk at 100k: the run's page moves
            con.executemany("INSERT OR IGNORE INTO students VALUES (?, ?, ?, ?, ?, ?, ?)", (
                (d.national_id, d.index, _name(students[d.index]),
                 _keys_text(students[d.index].keys), str(d.outcome), d.mentor_id,
                 _dumps(d._asdict()))
                for d in decisions[start:start + _CHUNK]))
            step("explain", min(total, start + _CHUNK), total)
        kept_view.write_name_index(con, lambda done, total: step("search_index", done, total))
        con.executemany("INSERT INTO notes VALUES (?, ?)", (
            (nid, _dumps({"rows": [r.as_dict() for r in trace.rows.get(nid, ())],
                          "code_origin": [o.as_dict() for o in trace.origins.get(nid, ())]}))
            for nid in sorted({*trace.rows, *trace.origins})))   # a set's order is per process
        position = view.positions
        con.executemany("INSERT INTO given VALUES (?, ?)", (
            (d.index, position[d.mentor_id]) for d in trace.decisions if d.mentor_id))
        con.commit()
    finally:
        con.close()


@dataclass(frozen=True)
class StoredExplanation:
    national_id: str
    name: str
    decision: dict
    stages: list[dict]
    candidates: list[dict]
    why_not: list[dict]
    rows: list[dict] = dataclasses.field(default_factory=list)
    code_origin: list[dict] = dataclasses.field(default_factory=list)
    suggested_action: dict | None = None

    def as_dict(self) -> dict:
        return {"national_id": self.national_id, "decision": self.decision,
                "stages": self.stages, "candidates": self.candidates, "why_not": self.why_not,
                "rows": self.rows, "code_origin": self.code_origin,
                "suggested_action": self.suggested_action}


class ExplainFile:
    """Read side of ``explain.sqlite`` (read-only; one short connection per call)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def exists(self) -> bool:
        return self.path.is_file()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)

    def find(self, national_id: str, mentors: tuple[str, ...] = ()) -> StoredExplanation | None:
        """The student's explanation, with why each mentor in ``mentors`` was not chosen."""
        con = self._connect()
        try:
            row = con.execute("SELECT idx, name, keys, decision FROM students "
                              "WHERE national_id = ?", (national_id,)).fetchone()
            if row is None:
                return None
            idx, name, keys_text, stored = row
            decision = decision_from_stored(json.loads(stored))
            keys = tuple(int(k) for k in keys_text.split(",")) if keys_text else None
            combo = con.execute("SELECT data FROM combos WHERE keys = ?",
                                (keys_text,)).fetchone() if decision.stage_counts else None
            meta = (dict(con.execute("SELECT name, value FROM meta").fetchall())
                    if combo is not None or mentors else {})
            state = _state(meta) if meta else None
            candidates, funnels = (), {}
            if combo is not None:
                data = json.loads(zlib.decompress(combo[0]))
                funnels[keys] = tuple(int(m, 16) for m in data["funnel"])
                cands = [Candidate(m, alias, school) for m, alias, school in data["candidates"]]
                candidates = state.ranked_at(cands, self._given_before(
                    con, idx, [c.mentor for c in cands]))
            notes = _notes(con, national_id)
        finally:
            con.close()
        reasons = []
        if mentors:
            view = PoolView(
                {m: i for i, m in enumerate(state.mentor_ids)},
                {k: tuple(v) for k, v in json.loads(meta["dropped"]).items()},
                tuple(RankingRule(r) for r in json.loads(meta["rules"])), funnels,
                {k: (tuple(a), tuple(b))
                 for k, (a, b) in json.loads(meta.get("restricted", "{}")).items()})
            reasons = [why_not(m, decision, keys, candidates, view).as_dict(m)
                       for m in typed_mentor_ids(mentors)]
        return StoredExplanation(
            national_id, name, decision._asdict(),
            [dataclasses.asdict(s) for s in stage_steps(decision.pool_size,
                                                        decision.stage_counts)],
            [dataclasses.asdict(c) for c in candidates], reasons, notes.get("rows", []),
            notes.get("code_origin", []), suggested_action(decision))

    def results(self) -> RunResults:
        """The results page's view of the run: its stored summary and one line per student
        (a file from before summaries were kept shows the students and what they imply)."""
        con = self._connect()
        try:
            stored = con.execute("SELECT value FROM meta WHERE name = 'results'").fetchone()
            rows = con.execute("SELECT national_id, name, keys, decision FROM students "
                               "ORDER BY idx").fetchall()
        finally:
            con.close()
        students, failed = [], []
        for national_id, name, keys_text, decision in rows:
            line = student_line(national_id, name, decision_from_stored(json.loads(decision)))
            students.append(line)
            if line.status != "ALLOCATED":
                failed.append((tuple(map(int, keys_text.split(","))) if keys_text else None,
                               line.failure_class))
        if stored is not None:
            return from_summary_document(json.loads(stored[0]), students)
        return RunResults(by_keys=by_keys(failed), students=students)

    def summary(self) -> RunResults:
        """The results page's view without the students' lines: one stored row (a file kept
        before summaries: what its unallocated students imply)."""
        return self._read(kept_view.summary)

    def line(self, national_id: str) -> StudentLine | None:
        """One student's search line (national id exact)."""
        return self._read(lambda con: kept_view.line(con, national_id))

    def by_name(self, key: str, limit: int = 50) -> list[StudentLine]:
        """Students whose ``match_key`` of their name contains ``key``, in the run's order:
        from the name index when the file has one, else by the scan."""
        return self._read(lambda con: kept_view.by_name(con, key, limit))

    def _read(self, read):
        con = self._connect()
        try:
            return read(con)
        finally:
            con.close()

    @staticmethod
    def _given_before(con: sqlite3.Connection, idx: int, mentors: list[int]) -> dict[int, int]:
        """Students given to each of ``mentors`` by this run before batch position ``idx``."""
        found: dict[int, int] = {}
        for start in range(0, len(mentors), 500):
            chunk = mentors[start:start + 500]
            found.update(con.execute(
                f"SELECT mentor, COUNT(*) FROM given WHERE idx < ? AND mentor IN "
                f"({','.join('?' * len(chunk))}) GROUP BY mentor", (idx, *chunk)).fetchall())
        return found


def _notes(con: sqlite3.Connection, national_id: str) -> dict:
    """The student's notes ({} when it has none, or the file predates them)."""
    try:
        found = con.execute("SELECT data FROM notes WHERE national_id = ?",
                            (national_id,)).fetchone()
    except sqlite3.OperationalError:      # written before the notes table existed
        return {}
    return json.loads(found[0]) if found else {}


def _state(meta: dict[str, str]) -> PoolState:
    data = json.loads(meta["state"])
    return PoolState(**{k: tuple(RankingRule(r) for r in v) if k == "ranking" else tuple(v)
                        for k, v in data.items()})
