"""Kill `smartalloc run` at the Nth call of a syscall of its publish and commit path.

``strace -f -e inject=<syscall>:signal=SIGKILL:when=N`` delivers SIGKILL to the process making
that call (counted per syscall and per process), so the kill lands exactly between two steps
of the real program: no hook in the code, no sleep. Each case starts from a copy of the same
state — a folder and a SQLite database holding run A, published — and runs B; afterwards the
operator's folder must show A's workbooks or B's, byte for byte, never a part or a mix; the
database must hold A's state or B's; B's workbooks are visible only if B is committed; and a
re-run of B converges to the uninterrupted result.
"""

from __future__ import annotations

import collections
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from smartalloc.adapters.publication import OutputFolder
from tests.outputs import visible

# the calls of the publish and commit path: files and folders made, renamed, linked, removed,
# flushed; SQLite's page writes (pwrite64) and syncs; the workbooks' own writes
SYSCALLS = ("mkdir", "rename", "symlink", "unlink", "unlinkat", "rmdir", "fsync", "fdatasync",
            "pwrite64", "write")
CLI = [sys.executable, "-m", "smartalloc.entrypoints.cli"]


@dataclass(frozen=True)
class Case:
    syscall: str
    n: int


@dataclass
class Outcome:
    case: Case
    killed: bool
    visible: str          # "A", "B", or what was seen instead
    database: str         # "A", "B", or what was found instead
    converged: bool
    leftovers: list[str]


RUN_DATE = "1405-09-15"


def run_cli(args: list[str], *, strace: list[str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "SMARTALLOC_WRITE_PROCESSES": "1"}
    return subprocess.run([*(strace or []), *CLI, *args], capture_output=True, text=True,
                          timeout=300, env=env)


def run_args(agency: Path, out: Path, db: Path, overrides: Path | None = None) -> list[str]:
    args = ["run", "--agency", str(agency), "--out", str(out),
            "--database-url", f"sqlite:///{db}",
            "--date", RUN_DATE]   # the reference and the killed run on one date, even at midnight
    return [*args, "--overrides", str(overrides)] if overrides else args


def database(db: Path) -> dict[str, list]:
    """The rows that matter: allocations, counters, runs (without their times and folders)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        allocations, counters, runs = "تخصیص_ها", "شمارنده_ها", "اجراها"
        assert {allocations, counters, runs} <= tables, tables
        return {
            "allocations": con.execute(
                f'SELECT "کد_ملی", "کد_کارمندی_پشتیبان", "کد_ثبت_نام", "شناسه_اجرا" FROM "{allocations}"'
                " ORDER BY 1").fetchall(),
            "counters": con.execute(f'SELECT * FROM "{counters}" ORDER BY 1, 2').fetchall(),
            "runs": con.execute(f'SELECT "شناسه_اجرا", "وضعیت_کنترل_کیفیت", "شمارش_ها" FROM '
                                f'"{runs}" ORDER BY 1').fetchall(),
        }
    finally:
        con.close()


def leftovers(out: Path) -> list[str]:
    """Hidden entries beyond the published run: unfinished or superseded run folders,
    temporary links, anything else hidden in the folder."""
    folder = OutputFolder(out)
    extra = [p.name for p in out.iterdir() if p.name.startswith(".") and p != folder.hidden]
    if folder.hidden.is_dir():
        extra += [p.name for p in folder.hidden.iterdir() if p.name not in ("current", "runs")]
    if folder.runs.is_dir():
        current = folder.current()
        extra += [p.name for p in folder.runs.iterdir() if p.name != current]
    return sorted(extra)


def count_calls(agency: Path, out: Path, db: Path, work: Path) -> dict[str, int]:
    """How often the main process makes each syscall in an uninterrupted run of B."""
    trace = work / "trace.txt"
    done = run_cli(run_args(agency, out, db), strace=[
        "strace", "-qq", "-o", str(trace), "-e", f"trace={','.join(SYSCALLS)}"])
    assert done.returncode == 0, done.stderr[-2000:]
    counts: collections.Counter[str] = collections.Counter()
    for line in trace.read_text(errors="replace").splitlines():
        m = re.match(r"(\w+)\(", line)
        if m:
            counts[m.group(1)] += 1
    return {s: counts.get(s, 0) for s in SYSCALLS}


def sampled(counts: dict[str, int], *, every: bool) -> list[Case]:
    """Every N of every syscall (``every``), else the first, the middle and the last; writes
    are a hundred or more (the workbooks' bytes), so they are always sampled, evenly."""
    cases = []
    for syscall, total in counts.items():
        if every and syscall != "write":
            points = set(range(1, total + 1))
        elif syscall == "write":
            points = {max(1, total * k // (24 if every else 6)) for k in range(1, 25 if every
                                                                             else 7)}
        else:
            points = {1, (total + 1) // 2, total}
        cases += [Case(syscall, n) for n in sorted(points - {0}) if n <= total]
    return cases


def run_case(case: Case, start: Path, work: Path, agency: Path, expected: dict) -> Outcome:
    """From a copy of state A: kill B at ``case``, check, re-run B, check again."""
    shutil.copytree(start, work, symlinks=True)
    out, db = work / "out", work / "h.sqlite"
    done = run_cli(run_args(agency, out, db), strace=[
        "strace", "-f", "-qq", "-o", "/dev/null", "-e", f"trace={case.syscall}",
        "-e", f"inject={case.syscall}:signal=SIGKILL:when={case.n}"])
    killed = done.returncode != 0
    if killed:
        assert "SIGKILL" in done.stderr or done.returncode in (137, -9), done.stderr[-2000:]
    seen = visible(out)
    shown = next((k for k in ("A", "B") if seen == expected[f"visible_{k}"]), repr(sorted(seen)))
    rows = database(db)
    held = next((k for k in ("A", "B") if rows == expected[f"db_{k}"]), json.dumps(
        {k: len(v) for k, v in rows.items()}))
    again = run_cli(run_args(agency, out, db))
    converged = (again.returncode == 0 and visible(out) == expected["visible_B"]
                 and database(db) == expected["db_B"])
    return Outcome(case, killed, shown, held, converged, leftovers(out))


def state_after_a(agency: Path, root: Path, mentor_off: str) -> tuple[Path, Path]:
    """Run A (one mentor switched off) into ``root/start``; return it and the overrides file."""
    start = root / "start"
    start.mkdir(parents=True)
    overrides = root / "overrides.json"
    overrides.write_text(json.dumps({mentor_off: False}))
    done = run_cli(run_args(agency, start / "out", start / "h.sqlite", overrides))
    assert done.returncode == 0, done.stderr[-2000:]
    return start, overrides
