"""Kill the run at every syscall of its publish and commit path (issue H, acceptance 1).

``make test`` runs a sample (the first, middle and last call of each syscall, ~30 kills);
``make sweep`` runs every N of every syscall but ``write`` (sampled: the workbooks' bytes are
thousands of writes). Both check the same four promises after each kill: the folder shows A or
B complete, the database holds A or B, B is visible only if committed, a re-run converges.
"""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.entrypoints.inputs import resolve_inputs
from tests.outputs import visible
from tests.reliability.publish_kills import (
    count_calls,
    database,
    leftovers,
    run_args,
    run_case,
    run_cli,
    sampled,
    state_after_a,
)

pytestmark = pytest.mark.skipif(shutil.which("strace") is None,
                                reason="strace is installed by .ci/run")


@pytest.fixture(scope="module")
def scene(small_agency, agency_policy, tmp_path_factory):
    """State A (published and committed), and what an uninterrupted B leaves."""
    root = tmp_path_factory.mktemp("kills")
    inputs = ExcelInputReader().read(resolve_inputs(small_agency.out_dir), agency_policy)
    start, _ = state_after_a(small_agency.out_dir, root, inputs.mentors.records[0].mentor_id)
    reference = root / "reference"
    shutil.copytree(start, reference, symlinks=True)
    expected = {"visible_A": visible(start / "out"), "db_A": database(start / "h.sqlite")}
    counts = count_calls(small_agency.out_dir, reference / "out", reference / "h.sqlite", root)
    expected |= {"visible_B": visible(reference / "out"),
                 "db_B": database(reference / "h.sqlite")}
    assert expected["visible_A"] and expected["visible_A"] != expected["visible_B"]
    assert expected["db_A"] != expected["db_B"]
    assert leftovers(reference / "out") == []
    return root, start, counts, expected


def _sweep(scene, agency: Path, every: bool) -> list:
    root, start, counts, expected = scene
    cases = sampled(counts, every=every)
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(
            lambda c: run_case(c, start, root / f"{c.syscall}-{c.n}", agency, expected), cases))
    report = [vars(o) | {"case": f"{o.case.syscall}#{o.case.n}"} for o in outcomes]
    (root / "kills.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    bad = [r for r in report if r["visible"] not in ("A", "B") or r["database"] not in ("A", "B")
           or (r["visible"], r["database"]) == ("B", "A") or not r["converged"] or r["leftovers"]]
    assert not bad, bad
    killed = [r for r in report if r["killed"]]
    assert len(killed) >= len(report) - len(counts)   # only an N past the last call survives
    # the kills fell on both sides of the commit: some left A, some B
    assert {r["visible"] for r in killed} == {"A", "B"}, report
    assert {r["database"] for r in killed} == {"A", "B"}, report
    return report


def test_a_kill_at_sampled_syscalls_never_shows_a_part_or_a_mix(scene, small_agency):
    report = _sweep(scene, small_agency.out_dir, every=False)
    assert len(report) >= 25


@pytest.mark.sweep
def test_a_kill_at_every_syscall_never_shows_a_part_or_a_mix(scene, small_agency):
    _root, _, counts, _ = scene
    report = _sweep(scene, small_agency.out_dir, every=True)
    assert len(report) >= sum(n for s, n in counts.items() if s != "write")


def test_a_kill_after_the_commit_is_published_by_the_next_start(scene, small_agency, tmp_path):
    """The window the old layout lost: committed, not yet visible. The kill lands on the swap
    (the last ``rename``): the database holds B, the folder A; the next run publishes B."""
    _, start, counts, expected = scene
    work = tmp_path / "w"
    shutil.copytree(start, work, symlinks=True)
    done = run_cli(run_args(small_agency.out_dir, work / "out", work / "h.sqlite"), strace=[
        "strace", "-qq", "-o", "/dev/null", "-e", "trace=rename",
        "-e", f"inject=rename:signal=SIGKILL:when={counts['rename']}"])
    assert done.returncode != 0
    assert database(work / "h.sqlite") == expected["db_B"]
    assert visible(work / "out") == expected["visible_A"]
    again = run_cli(run_args(small_agency.out_dir, work / "out", work / "h.sqlite"))
    assert again.returncode == 0, again.stderr
    assert "were published now" in " ".join((again.stdout + again.stderr).split())
    assert visible(work / "out") == expected["visible_B"]
