"""Database part of a run: a 10k-student run committed to PostgreSQL and to the embedded SQLite
default. Reports the store's share of the run (loading history + governance, then appending
the run, its allocations, counters and the mentor/student snapshot in one transaction).

Needs PostgreSQL at 127.0.0.1:5432 (creates and drops its own database).
"""

from __future__ import annotations

import argparse
import time
from contextlib import contextmanager
from pathlib import Path

from _support import machine, replace_block

from smartalloc.adapters.db.engine import sqlite_url
from smartalloc.adapters.db.migrate import upgrade
from smartalloc.adapters.db.scratch import scratch_database
from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.output_writer import ExcelOutputWriter
from smartalloc.adapters.policy_file import load_policy
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.run_allocation import RunRequest, run_allocation


class TimedStore(SqlStore):
    """The real store, timing its own calls."""

    spent = 0.0

    def _timed(self, fn, *args, **kwargs):
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            TimedStore.spent += time.perf_counter() - t

    def load(self, *a, **k):
        return self._timed(super().load, *a, **k)

    def governance(self):
        return self._timed(super().governance)

    def runs_with_input(self, sha):
        return self._timed(super().runs_with_input, sha)

    def record(self, run, entries, before_commit, snapshot=None, events=()):
        def untimed_publish():   # publishing the workbooks is file I/O, not the database
            t = time.perf_counter()
            before_commit()
            TimedStore.spent -= time.perf_counter() - t
        return self._timed(super().record, run, entries, untimed_publish, snapshot, events)

    @contextmanager
    def recording(self, run, entries, snapshot=None, events=()):
        """The run's transaction: its inserts (on entry) and its commit (on exit) are timed;
        what happens inside (the workbooks being written and published) is not."""
        t = time.perf_counter()
        with super().recording(run, entries, snapshot, events):
            TimedStore.spent += time.perf_counter() - t
            yield
            t = time.perf_counter()
        TimedStore.spent += time.perf_counter() - t


def measure(agency: Path, url: str, out: Path) -> tuple[float, float, int]:
    TimedStore.spent = 0.0
    policy = load_policy(agency / "policy.json")
    t = time.perf_counter()
    result = run_allocation(RunRequest(resolve_inputs(agency), policy, out, now="bench"),
                            reader=ExcelInputReader(), writer=ExcelOutputWriter(),
                            history=TimedStore(url))
    return time.perf_counter() - t, TimedStore.spent, result.counts.get("allocated", 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agency", type=Path, default=Path("bench-out/agency-10k-1404"))
    parser.add_argument("--write-doc", type=Path)
    args = parser.parse_args()
    lines = []
    if not (args.agency / ".complete").exists():
        raise SystemExit("run benchmarks/pipeline_bench.py --scales 10k first (it builds the agency)")
    with scratch_database("smartalloc_bench") as pg:
        upgrade(pg)
        lite = Path("bench-out/db-bench.sqlite")
        lite.unlink(missing_ok=True)
        for label, url in (("sqlite", sqlite_url(lite.resolve())), ("postgresql", pg)):
            total, db, allocated = measure(args.agency, url, Path(f"bench-out/db-{label}"))
            print(f"{label}: run {total:.2f} s, database part {db:.2f} s, {allocated} allocated")
            lines.append(f"| {label} | {total:.2f} s | {db:.2f} s | {allocated:,} |")
    if args.write_doc:
        replace_block(args.write_doc, "db", [
            f"10k students, on {machine()}, {time.strftime('%Y-%m-%d')}:", "",
            "| store | whole run (in process) | database part | allocated |", "|---|---|---|---|",
            *lines])


if __name__ == "__main__":
    main()
