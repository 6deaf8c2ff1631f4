"""Pipeline benchmark: 1k / 10k / 100k students (with ~200 / 1k / 2k mentors).

Per scale it reports
  * end-to-end: `smartalloc run` in a fresh process (wall time and peak RSS via wait4),
  * the allocation core alone (dedupe + engine + codes + decisions) in students/s,
  * the I/O floor: reading every input plus writing every output workbook, nothing else,
and the ratio end-to-end / I/O floor. Agencies are generated once per seed under bench-out/.

The 4-digit sequence of D8 allows 9,999 codes per (year, gender); a 100k agency has ~50k of
each gender, so the 100k scale runs with a policy variant `counters.sequence_digits = 5`
(the only change; see docs/decisions.md).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from _support import machine, replace_block

from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.output_writer import ExcelOutputWriter
from smartalloc.adapters.policy_file import load_policy
from smartalloc.domain.allocation import AllocationEngine
from smartalloc.domain.batch import allocate_batch
from smartalloc.domain.gc_pause import allow_in_this_process, gc_paused
from smartalloc.domain.policy import load_policy_mapping
from smartalloc.domain.qa import run_pre_qa
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.run_context import build_matrix_for
from smartalloc.service_layer.run_reports import RunRequest, build_reports

SCALES = {"1k": (1_000, 200), "10k": (10_000, 1_000), "100k": (100_000, 2_000)}
ROOT = Path("bench-out")


def agency_for(name: str, students: int, mentors: int, seed: int) -> Path:
    from smartalloc.synthetic import generate_agency

    folder = ROOT / f"agency-{name}-{seed}"
    marker = folder / ".complete"
    if not marker.exists():
        policy = load_policy(None)
        if students > 9_999 * 2:
            data = policy.model_dump(mode="json")
            data["counters"]["sequence_digits"] = 5
            policy = load_policy_mapping(data)
        t = time.perf_counter()
        generate_agency(folder, students=students, mentors=mentors, seed=seed, policy=policy)
        marker.write_text(f"{time.perf_counter() - t:.1f}")
    return folder


def end_to_end(agency: Path, out: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of `smartalloc run` in a child process."""
    history = out.with_suffix(".sqlite")
    history.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "smartalloc.entrypoints.console", "run", "--agency", str(agency),
           "--policy", str(agency / "policy.json"), "--out", str(out),
           "--database-url", f"sqlite:///{history.resolve()}"]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if status != 0:
        raise SystemExit(f"run failed on {agency}: {proc.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def in_process(agency: Path, out: Path) -> dict[str, float]:
    """Core throughput and the I/O floor, measured on the same inputs.

    The I/O floor reads every input and writes every output with the run's own reader and
    writer (two cores), with the outputs computed beforehand: nothing but I/O is timed."""
    policy = load_policy(agency / "policy.json")
    paths = resolve_inputs(agency)
    reader, writer = ExcelInputReader(), ExcelOutputWriter()
    t = time.perf_counter()
    inputs = reader.read(paths, policy)
    read_s = time.perf_counter() - t
    t = time.perf_counter()
    matrix = build_matrix_for(inputs, policy)
    matrix_s = time.perf_counter() - t
    students = inputs.students.records
    core_s, batch = decide(students, matrix, policy, inputs.roster)
    engine_s = engine_only(matrix, policy, students)
    request = RunRequest(paths, policy, out, now="bench")
    t = time.perf_counter()
    outputs, counts, _ = build_reports(request, inputs, matrix, run_pre_qa(matrix), batch, {})
    reports_s = time.perf_counter() - t
    t = time.perf_counter()
    staged = writer.start(out, matrix, {"policy_stamp": policy.stamp}, policy)
    writer.write(staged, outputs, policy)
    staged.finish()
    staged.discard()
    write_s = time.perf_counter() - t
    return {"read_s": read_s, "write_s": write_s, "core_s": core_s, "engine_s": engine_s,
            "students": len(students),
            "allocated": counts.get("allocated", 0), "qa": outputs.qa.status,
            "stages": {"read": read_s, "matrix": matrix_s, "allocate": core_s,
                       "reports": reports_s, "write (I/O only)": write_s}}


def decide(students, matrix, policy, roster) -> tuple[float, object]:
    """Best of three `allocate_batch` calls, timed as a run makes it: with the cyclic collector
    paused for the whole run (`run_allocation`), so the collection that re-enabling it after a
    lone call would trigger (~0.06 s at 100k) is not in the number."""
    best = float("inf")
    for _ in range(3):
        with gc_paused():
            t = time.perf_counter()
            batch = allocate_batch(students, matrix, policy, roster=roster)
            best = min(best, time.perf_counter() - t)
        del batch
    with gc_paused():
        return best, allocate_batch(students, matrix, policy, roster=roster)


def engine_only(matrix, policy, students) -> float:
    """Seconds for the engine alone (candidates, ranking, seats) over every readable key."""
    keys = [s.keys for s in students if s.keys is not None]
    with gc_paused():
        t = time.perf_counter()
        AllocationEngine(matrix, policy).seat_all(keys)
        return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="1k,10k,100k")
    parser.add_argument("--seed", type=int, default=1404)
    parser.add_argument("--write-doc", type=Path)
    args = parser.parse_args()
    allow_in_this_process()   # as the CLI's batch commands do
    ROOT.mkdir(exist_ok=True)
    rows = []
    for name in args.scales.split(","):
        students, mentors = SCALES[name]
        agency = agency_for(name, students, mentors, args.seed)
        e2e, rss = end_to_end(agency, ROOT / f"run-{name}")
        m = in_process(agency, ROOT / f"inproc-{name}")
        floor = m["read_s"] + m["write_s"]
        row = {"scale": name, "students": students, "mentors": mentors, "e2e_s": e2e,
               "rss_mb": rss, "core_s": m["core_s"], "core_per_s": students / m["core_s"],
               "engine_per_s": students / m["engine_s"],
               "read_s": m["read_s"], "write_s": m["write_s"], "floor_s": floor,
               "ratio": e2e / floor, "allocated": m["allocated"], "qa": m["qa"],
               "stages": {k: round(v, 2) for k, v in m["stages"].items()}}
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False))
    if args.write_doc:
        write_doc(args.write_doc, rows)


def write_doc(path: Path, rows: list[dict]) -> None:
    """Replace the measured block of ``path`` (between the bench markers), keep the prose."""
    lines = [
        f"Measured by `make bench` on {machine()}, {time.strftime('%Y-%m-%d')}.", "",
        "| scale | students | mentors | end-to-end | peak RSS | decide (core) | core students/s "
        "| engine students/s | read | write | I/O floor | e2e / floor | allocated | QA |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['scale']} | {r['students']:,} | {r['mentors']:,} | {r['e2e_s']:.2f} s "
            f"| {r['rss_mb']:.0f} MB | {r['core_s']:.2f} s | {r['core_per_s']:,.0f} "
            f"| {r['engine_per_s']:,.0f} | {r['read_s']:.2f} s | {r['write_s']:.2f} s "
            f"| {r['floor_s']:.2f} s | {r['ratio']:.2f} | {r['allocated']:,} | {r['qa']} |")
    lines += ["", "In-process stage times (seconds):", ""]
    for r in rows:
        lines.append(f"- {r['scale']}: " + ", ".join(f"{k} {v}" for k, v in r["stages"].items()))
    replace_block(path, "bench", lines)


if __name__ == "__main__":
    main()
