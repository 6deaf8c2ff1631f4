"""What a killed run leaves in an output folder is finished by the next start: a folder of a
dead process is removed (never a live process's or another machine's), a committed one is
published, and the visible set is always one run's."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from smartalloc.adapters.output_writer import ExcelOutputWriter
from smartalloc.adapters.publication import HIDDEN, PARTIAL, OutputFolder
from tests.decided import decided as decided_run
from tests.outputs import visible


@pytest.fixture(scope="module")
def decided(small_agency, policy, tmp_path_factory):
    return decided_run(small_agency.out_dir, policy, tmp_path_factory.mktemp("unused"))


def _dead_pid() -> int:
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True).stdout)


def _run_folder(out, name: str, files=("import_to_sabt.xlsx",)):
    folder = out / HIDDEN / "runs" / name
    folder.mkdir(parents=True)
    for f in files:
        (folder / f).write_bytes(b"half-written")
    return folder


def test_a_killed_runs_folders_are_removed_by_the_next_start(decided, policy, tmp_path):
    matrix, outputs = decided
    writer = ExcelOutputWriter()
    host, gone = socket.gethostname(), _dead_pid()
    live = writer.start(tmp_path, matrix, {"policy_stamp": policy.stamp}, policy)
    dead_partial = _run_folder(tmp_path, f"a-1.{gone}.{host}{PARTIAL}")
    dead_sealed = _run_folder(tmp_path, f"a-2.{gone}.{host}")
    foreign = _run_folder(tmp_path, f"a-3.{gone}.elsewhere.example{PARTIAL}")
    unknown = _run_folder(tmp_path, "operator-notes")
    legacy = tmp_path / ".staging-abc123"
    legacy.mkdir()

    # without a database the sealed folder cannot be judged: it stays
    assert writer.recover(tmp_path) == ["rolled_back"]
    assert not dead_partial.exists() and not legacy.exists() and dead_sealed.exists()
    # with one, a sealed folder no run committed is rolled back
    assert writer.recover(tmp_path, lambda names: {}) == ["rolled_back"]
    assert not dead_sealed.exists()
    assert live.staging.exists() and foreign.exists() and unknown.exists()

    later = writer.start(tmp_path, matrix, {"policy_stamp": policy.stamp}, policy)
    writer.write(later, outputs, policy)
    later.finish()
    published = later.publish()
    live.discard()
    assert not live.staging.exists()
    assert sorted(visible(tmp_path)) == sorted(p.name for p in published)
    assert all(os.path.islink(p) for p in published)


def test_the_newest_committed_folder_is_published_and_the_older_removed(tmp_path):
    """Roll forward: of two sealed folders the store knows, the later commit wins."""
    gone, host = _dead_pid(), socket.gethostname()
    out = OutputFolder(tmp_path)
    first = _run_folder(tmp_path, f"r-1.{gone}.{host}", ["allocation.xlsx", "qa.xlsx"])
    out.publish(first, ["allocation.xlsx", "qa.xlsx"])
    second = _run_folder(tmp_path, f"r-2.{gone}.{host}", ["allocation.xlsx"])
    (second / "allocation.xlsx").write_bytes(b"second run")
    committed = {first.name: "2026-12-01T10:00:00", second.name: "2026-12-06T10:00:00"}

    def ask(names):
        return {n: committed[n] for n in names if n in committed}

    assert ExcelOutputWriter().recover(tmp_path, ask) == ["rolled_forward"]
    assert visible(tmp_path) == {"allocation.xlsx": b"second run"}   # qa.xlsx of run 1 gone
    assert not first.exists() and out.current() == second.name


def test_workbooks_of_the_earlier_layout_are_adopted_without_a_mix(tmp_path):
    """Files an earlier version renamed into the folder become a run of their own first, so
    the folder shows them or the new run, never some of each."""
    for name, text in (("allocation.xlsx", b"old allocation"), ("qa.xlsx", b"old qa")):
        (tmp_path / name).write_bytes(text)
    (tmp_path / "notes.txt").write_text("operator's own file")
    out = OutputFolder(tmp_path)
    partial = out.new_run()
    (partial / "allocation.xlsx").write_bytes(b"new allocation")
    sealed = out.seal(partial, [partial / "allocation.xlsx"])
    out.publish(sealed, ["allocation.xlsx", "qa.xlsx", "import_to_sabt.xlsx"])
    assert visible(tmp_path) == {"allocation.xlsx": b"new allocation",
                                  "notes.txt": b"operator's own file"}
    assert sorted(p.name for p in out.runs.iterdir()) == [sealed.name]
