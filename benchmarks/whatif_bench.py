"""What-if benchmark (issue M): `smartalloc whatif` on 100k students × 2k mentors must finish
in ≤ 10 s on this machine. Measured in a fresh process (the command an operator runs), and
in-process per stage: reading + matrix, the policy's batch, building and solving the flow.
Also at a squeezed capacity (every mentor's free seats cut to a quarter), where the flow has
real work: students compete for seats and the order matters.

Agencies are generated once per seed under bench-out/ (as the pipeline benchmark does).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _support import machine, replace_block
from pipeline_bench import SCALES, agency_for

from smartalloc.adapters.db.engine import sqlite_url
from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.flow_solver import OrToolsFlowSolver
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.policy_file import load_policy
from smartalloc.domain.gc_pause import allow_in_this_process
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.whatif import what_if


def cli_seconds(agency: Path) -> float:
    """Wall time of `smartalloc whatif` in a fresh process, on a fresh history."""
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        subprocess.run([Path(sys.executable).parent / "smartalloc", "whatif", "--agency",
                        str(agency), "--database-url", f"sqlite:///{tmp}/h.sqlite"],
                       check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - t


class Given:
    """A reader that hands back inputs read once (the stages are timed without re-reading)."""

    def __init__(self, inputs):
        self.inputs = inputs

    def read(self, paths, policy):
        return self.inputs


def squeezed(inputs, share: int):
    mentors = tuple(dataclasses.replace(m, capacity=(m.covered or 0) + max(
        1, ((m.capacity or 0) - (m.covered or 0)) // share)) for m in inputs.mentors.records)
    return dataclasses.replace(inputs, mentors=dataclasses.replace(inputs.mentors,
                                                                   records=mentors))


def stages(agency: Path, share: int | None) -> dict:
    policy = load_policy(agency / "policy.json")
    paths = resolve_inputs(agency)
    inputs = ExcelInputReader().read(paths, policy)
    reader = Given(squeezed(inputs, share) if share else inputs)
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        report = what_if(paths, policy, reader=reader,
                         history=SqlStore(sqlite_url(Path(tmp) / "h.sqlite")),
                         solver=OrToolsFlowSolver(), timings=timings)
    return {"share": share or 1, "competing": report.competing, "policy": report.policy_placed,
            "optimum": report.optimum_placed, "gain": report.gain,
            **{f"{k}_s": round(v, 2) for k, v in timings.items()}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="100k")
    parser.add_argument("--seed", type=int, default=1404)
    parser.add_argument("--write-doc", type=Path)
    args = parser.parse_args()
    allow_in_this_process()
    students, mentors = SCALES[args.scale]
    agency = agency_for(args.scale, students, mentors, args.seed)
    wall = cli_seconds(agency)
    rows = [stages(agency, share) for share in (None, 4)]
    print(json.dumps({"scale": args.scale, "cli_s": round(wall, 2), "rows": rows}))
    if args.write_doc:
        lines = [f"Measured by `benchmarks/whatif_bench.py` on {machine()}, "
                 f"{time.strftime('%Y-%m-%d')}. `smartalloc whatif` on {students:,} students × "
                 f"{mentors:,} mentors, fresh process: **{wall:.1f} s** (target ≤ 10 s).", "",
                 "| free seats | competing | placed by the policy | by the optimum | gain | "
                 "matrix (inputs in memory) | policy batch | flow |",
                 "|---|---|---|---|---|---|---|---|"]
        for r in rows:
            seats = "as reported" if r["share"] == 1 else f"1/{r['share']} of each mentor's"
            lines.append(f"| {seats} | {r['competing']:,} | {r['policy']:,} | {r['optimum']:,} "
                         f"| {r['gain']:,} | {r['read_s']:.2f} s | {r['policy_s']:.2f} s "
                         f"| {r['optimum_s']:.2f} s |")
        replace_block(args.write_doc, "whatif", lines, "## What-if (issue M)")


if __name__ == "__main__":
    main()
