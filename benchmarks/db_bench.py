"""Database part of a run: a 10k-student run committed to PostgreSQL and to the embedded SQLite
default. Reports the store's share of the run (loading history + governance, then appending
the run, its allocations, counters and the mentor/student snapshot in one transaction).

Needs PostgreSQL at 127.0.0.1:5432 (creates and drops its own database).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from _support import machine, replace_block

from smartalloc.adapters.db.engine import sqlite_url
from smartalloc.adapters.db.migrate import upgrade
from smartalloc.adapters.db.scratch import scratch_database
from smartalloc.adapters.db.store import SqlRunUnitOfWork, SqlStore
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.output_writer import ExcelOutputWriter
from smartalloc.adapters.policy_file import load_policy
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.run_allocation import RunRequest, run_allocation


def _timed(fn, *args, **kwargs):
    t = time.perf_counter()
    try:
        return fn(*args, **kwargs)
    finally:
        TimedStore.spent += time.perf_counter() - t


class TimedStore(SqlStore):
    """The real store, timing its own calls."""

    spent = 0.0

    def load(self, *a, **k):
        return _timed(super().load, *a, **k)

    def governance(self):
        return _timed(super().governance)

    def runs_with_input(self, sha):
        return _timed(super().runs_with_input, sha)

    def unit_of_work(self):
        return TimedUnitOfWork(self)


class TimedUnitOfWork(SqlRunUnitOfWork):
    """The run's transaction: its writes and its commit are timed; what happens between them
    (the workbooks being written and made durable) is not."""

    def record(self, *args, **kwargs):
        return _timed(super().record, *args, **kwargs)

    def commit(self):
        return _timed(super().commit)


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
