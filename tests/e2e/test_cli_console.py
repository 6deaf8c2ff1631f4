"""The ``smartalloc`` command leaves without the interpreter's teardown (``cli.console``,
issue P), and still closes what it opened: the database file alone holds the run, the exit
functions ran, every line it printed is out, and its exit status is ``main``'s."""

from __future__ import annotations

import shutil
import sys

import pytest

from smartalloc.adapters.db.engine import sqlite_url
from smartalloc.adapters.db.store import SqlStore
from smartalloc.entrypoints import cli
from tests.e2e.test_cli_run import cli as command
from tests.e2e.test_cli_run import run_agency


class _Left(Exception):
    """``os._exit`` in these tests: the test process must go on."""


@pytest.mark.parametrize(("ends", "code", "said"), [
    (lambda: None, 0, ""),
    (lambda: sys.exit(4), 4, ""),
    (lambda: sys.exit(None), 0, ""),
    (lambda: sys.exit("no such folder"), 1, "no such folder"),
])
def test_console_closes_runs_the_exit_functions_then_leaves_with_mains_status(
        monkeypatch, capsys, ends, code, said):
    done: list[object] = []
    monkeypatch.setattr(cli.threading, "active_count", lambda: 1)   # the suite's own threads
    monkeypatch.setattr(cli, "exiting_without_teardown", lambda: done.append("keeping"))
    monkeypatch.setattr(cli, "main", lambda: (done.append("main"), ends()))
    monkeypatch.setattr(cli, "close_databases", lambda: done.append("databases"))
    monkeypatch.setattr(cli.atexit, "_run_exitfuncs", lambda: done.append("exit functions"))

    def leave(status: int) -> None:
        done.append(status)
        raise _Left

    monkeypatch.setattr(cli.os, "_exit", leave)
    with pytest.raises(_Left):
        cli.console()
    # a run's objects are kept unfreed (``domain.teardown``) from before ``main``
    assert done == ["keeping", "main", "databases", "exit functions", code]
    assert said in capsys.readouterr().err


def test_with_a_thread_still_running_console_takes_the_ordinary_way_out(monkeypatch):
    monkeypatch.setattr(cli, "exiting_without_teardown", lambda: None)
    monkeypatch.setattr(cli, "main", lambda: sys.exit(3))
    monkeypatch.setattr(cli.threading, "active_count", lambda: 2)
    monkeypatch.setattr(cli.os, "_exit", lambda status: pytest.fail("left without teardown"))
    with pytest.raises(SystemExit) as done:
        cli.console()
    assert done.value.code == 3


def test_after_the_command_the_database_file_alone_holds_the_run(small_agency, tmp_path):
    """An operator who copies the SQLite file (a backup) gets every committed run: its WAL
    was checkpointed, as the connections were closed before the process left."""
    history = tmp_path / "h.sqlite"
    done = run_agency(small_agency.out_dir, tmp_path / "out", history)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "QA" in done.stdout + done.stderr    # the summary was printed in full
    assert not history.with_name("h.sqlite-wal").exists()
    copy = tmp_path / "copy.sqlite"
    shutil.copyfile(history, copy)
    assert len(SqlStore(sqlite_url(copy)).load()) > 100


def test_an_error_still_exits_with_its_own_status_and_message(tmp_path):
    done = command("run", "--agency", str(tmp_path / "missing"), "--out", str(tmp_path / "o"))
    assert done.returncode == 2, done.stderr + done.stdout
    assert done.stderr.strip()
