"""The honest floor (issue P): end to end ÷ (calamine parse of the inputs + the project's
writer writing the same output cells), nothing else in the floor.

Per scale (the `pipeline_bench` agencies): `smartalloc run` in a fresh process with and
without `--trace`, with warm bytecode (what `make env` leaves) and cold (an empty
`PYTHONPYCACHEPREFIX`: nothing compiled, the standard library included), wall time and peak
RSS (`wait4`); then, in process, the floor: every input workbook parsed by python-calamine
(every sheet to Python values) plus every output workbook and CSV written by
`ExcelOutputWriter` on two cores from tables computed beforehand (the trace sheet included
or not, as the run it is compared with).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _support import machine, replace_block
from pipeline_bench import ROOT, SCALES, agency_for
from python_calamine import CalamineWorkbook

from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.output_writer import ExcelOutputWriter
from smartalloc.adapters.policy_file import load_policy
from smartalloc.domain.batch import allocate_batch
from smartalloc.domain.gc_pause import allow_in_this_process, gc_paused
from smartalloc.domain.qa import run_pre_qa
from smartalloc.domain.tables import LazyRows
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.run_context import build_matrix_for
from smartalloc.service_layer.run_reports import RunRequest, build_reports


def run(agency: Path, out: Path, trace: bool, cold: bool) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one `smartalloc run` in a fresh process."""
    history = out.with_suffix(".sqlite")
    history.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "smartalloc.entrypoints.console", "run", "--agency", str(agency),
           "--policy", str(agency / "policy.json"), "--out", str(out), "--date", "1405/09/15",
           "--database-url", f"sqlite:///{history.resolve()}", *(["--trace"] if trace else [])]
    with tempfile.TemporaryDirectory() as empty:
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1",
               **({"PYTHONPYCACHEPREFIX": empty} if cold else {})}
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
    if status != 0:
        raise SystemExit(f"run failed on {agency}: {proc.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def parse_inputs(agency: Path) -> float:
    """Seconds for calamine to parse every input workbook, every sheet to Python values."""
    t = time.perf_counter()
    for path in sorted(agency.glob("*.xlsx")):
        if path.name == "history_seed.xlsx":   # not an input of a run
            continue
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
    return time.perf_counter() - t


def write_floor(agency: Path, out: Path) -> dict[str, float]:
    """Seconds for the project's writer to write every output, with and without the trace."""
    policy = load_policy(agency / "policy.json")
    paths = resolve_inputs(agency)
    with gc_paused():
        inputs = ExcelInputReader().read(paths, policy)
        matrix = build_matrix_for(inputs, policy)
        batch = allocate_batch(inputs.students.records, matrix, policy, roster=inputs.roster)
    found = {}
    for trace in (False, True):
        request = RunRequest(paths, policy, out, now="bench", trace_sheet=trace)
        outputs, _, _ = build_reports(request, inputs, matrix, run_pre_qa(matrix), batch, {})
        _build_now(outputs)
        writer = ExcelOutputWriter()
        t = time.perf_counter()
        staged = writer.start(out, matrix, {"policy_stamp": policy.stamp}, policy)
        writer.write(staged, outputs, policy)
        staged.finish()
        found["trace" if trace else "plain"] = time.perf_counter() - t
        staged.discard()
    return found


def _build_now(outputs) -> None:
    """Build the rows a run builds in its writers (``LazyRows``: the per-student sheets, the
    Sabt export) before the clock starts: the floor writes cells, it does not compute them."""
    lazy = [*(t.rows for t in outputs.allocation_tables), outputs.sabt.rows,
            outputs.sabt.summary, outputs.sabt.errors]
    for rows in lazy:
        if isinstance(rows, LazyRows):
            rows[:0]   # reading builds them, in this process (forks inherit them)


def measure(name: str, seed: int, repeat: int) -> dict:
    students, mentors = SCALES[name]
    agency = agency_for(name, students, mentors, seed)
    row: dict = {"scale": name, "students": students, "mentors": mentors}
    for trace in (False, True):
        for cold in (False, True):
            key = f"{'trace' if trace else 'plain'}_{'cold' if cold else 'warm'}"
            runs = [run(agency, ROOT / f"floor-{name}", trace, cold)
                    for _ in range(repeat if not cold else 1)]
            row[key], row[f"{key}_rss"] = min(r[0] for r in runs), max(r[1] for r in runs)
    row["parse"] = min(parse_inputs(agency) for _ in range(repeat))
    writes = [write_floor(agency, ROOT / f"floor-{name}-io") for _ in range(repeat)]
    for kind in ("plain", "trace"):
        row[f"write_{kind}"] = min(w[kind] for w in writes)
        row[f"floor_{kind}"] = row["parse"] + row[f"write_{kind}"]
        row[f"ratio_{kind}"] = row[f"{kind}_warm"] / row[f"floor_{kind}"]
    return row


def write_doc(path: Path, rows: list[dict]) -> None:
    lines = [f"Measured by `benchmarks/floor_bench.py` on {machine()}, "
             f"{time.strftime('%Y-%m-%d')}; best of the runs, peak RSS the largest.", "",
             "| scale | run, warm | with `--trace`, warm | run, cold | `--trace`, cold "
             "| peak RSS (`--trace`) | parse (calamine) | write | floor | e2e ÷ floor "
             "| with `--trace`: write, floor, e2e ÷ floor |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['scale']} | {r['plain_warm']:.2f} s | {r['trace_warm']:.2f} s "
            f"| {r['plain_cold']:.2f} s | {r['trace_cold']:.2f} s "
            f"| {r['plain_warm_rss']:.0f} MB ({r['trace_warm_rss']:.0f} MB) "
            f"| {r['parse']:.2f} s | {r['write_plain']:.2f} s | {r['floor_plain']:.2f} s "
            f"| **{r['ratio_plain']:.2f}** | {r['write_trace']:.2f} s, {r['floor_trace']:.2f} s, "
            f"{r['ratio_trace']:.2f} |")
    replace_block(path, "floor", lines, "## The floor (issue P)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="1k,10k,100k")
    parser.add_argument("--seed", type=int, default=1404)
    parser.add_argument("--repeat", type=int, default=2,
                        help="runs per cell, best taken (100k: one fewer; cold: one)")
    parser.add_argument("--write-doc", type=Path)
    args = parser.parse_args()
    allow_in_this_process()
    ROOT.mkdir(exist_ok=True)
    rows = []
    for name in args.scales.split(","):
        rows.append(measure(name, args.seed, args.repeat if name != "100k" else max(1, args.repeat - 1)))
        print(json.dumps(rows[-1]), flush=True)
    if args.write_doc:
        write_doc(args.write_doc, rows)


if __name__ == "__main__":
    main()
