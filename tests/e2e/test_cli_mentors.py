"""Governance through the CLI: a frozen mentor stays out of later runs even though it is in
the Inspactor report; every change is audited; activation brings it back."""

from __future__ import annotations

from smartalloc.domain.allocation_report import SUMMARY_SHEET
from tests.outputs import run_facts

from .test_cli_run import cli, run_agency, sheet


def _pool(out) -> set[str]:
    return {str(r[0]) for r in sheet(out / "allocation.xlsx", SUMMARY_SHEET)[1:]}


def test_freeze_audit_activate(small_agency, tmp_path):
    db = tmp_path / "db.sqlite"
    url = ["--database-url", f"sqlite:///{db}"]
    assert run_agency(small_agency.out_dir, tmp_path / "before", db).returncode == 0
    victim = sorted(_pool(tmp_path / "before"))[0]

    done = cli("mentors", "freeze", victim, "--reason", "مرخصی", "--by", "ops", *url)
    assert done.returncode == 0, done.stderr
    assert f"mentor {victim}: active → frozen" in done.stdout.replace("\n", " ") or \
        "→ frozen" in done.stdout
    assert "stay with it (history is unchanged)" in done.stdout     # what a freeze does

    again = run_agency(small_agency.out_dir, tmp_path / "frozen", db)
    assert again.returncode == 0
    assert victim not in _pool(tmp_path / "frozen")
    # re-running is explained: the students of the first run are counted apart, by run
    first_run = run_facts(tmp_path / "before" / "allocation.xlsx")
    run_id, allocated = first_run["run_id"], first_run["count_allocated"]
    assert f"{int(allocated)} student(s) were allocated by run {run_id}" in again.stdout
    meta = run_facts(tmp_path / "frozen" / "allocation.xlsx")
    assert meta["count_allocated_earlier"] == allocated and run_id in meta["allocated_earlier_runs"]
    listed = cli("mentors", "list", "--status", "frozen", *url)
    assert victim in listed.stdout

    assert cli("mentors", "activate", victim, "--reason", "بازگشت", *url).returncode == 0
    trail = cli("mentors", "audit", victim, *url).stdout
    assert "frozen" in trail and "مرخصی" in trail and "بازگشت" in trail

    missing_reason = cli("mentors", "freeze", victim, *url)
    assert missing_reason.returncode != 0 and "Traceback" not in missing_reason.stderr
