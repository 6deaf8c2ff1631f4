"""The command line loads only what a command uses (issue P): `smartalloc --help` no database,
web, broker or solver library, and `smartalloc run` none of those but the database. Each of
them costs 0.05–0.5 s of start-up, paid by every run; what is asserted is which modules a
fresh interpreter has imported, never a time."""

from __future__ import annotations

import json
import os
import subprocess
import sys

# Imported only by the commands (or processes) that use them: the service, the relay and
# consumers, what-if, accounts, migrations, traces exported (the OpenTelemetry *API* stays).
NOT_FOR_THE_CLI = {
    "fastapi", "starlette", "uvicorn", "jinja2", "babel", "procrastinate", "httpx",
    "aio_pika", "aiormq", "prometheus_client", "structlog", "opentelemetry.sdk",
    "numpy", "ortools", "pwdlib", "argon2", "zxcvbn", "pyrage", "alembic",
    # the tables are Core tables and every store works with Core statements: SQLAlchemy's
    # ORM (~0.1 s) is imported by no command
    "sqlalchemy.orm",
    # the workbook writer escapes XML itself: ``xml.sax.saxutils`` brought these (~30 ms)
    *(WEB_CLIENT := ("urllib.request", "http.client")),
}
# ...and, for `--help` and the commands without a database, the database.
NOT_FOR_HELP = NOT_FOR_THE_CLI | {"sqlalchemy", "psycopg"}


def _imported_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after ``code`` (which the ``NOT_FOR_*`` name)."""
    probe = (f"import sys, json\n{code}\n"
             f"print(json.dumps(sorted(set(sys.modules) & set({sorted(NOT_FOR_HELP)!r}))))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_importing_the_command_line_loads_no_heavy_library():
    assert _imported_after("import smartalloc.entrypoints.cli") == set()


def test_the_program_starts_the_student_check_before_the_stack():
    """The program's entry (``console``) starts a run's student check before it imports the
    command line: what it imports for that holds none of the command line, the policy's
    models or the database (0.3–0.5 s, which the check so runs beside)."""
    code = "import smartalloc.entrypoints.console, smartalloc.bootstrap_early"
    stack = {"typer", "pydantic", "smartalloc.domain.policy", "smartalloc.bootstrap",
             "smartalloc.entrypoints.cli"}
    probe = f"import sys\n{code}\nprint(sorted(set(sys.modules) & set({sorted(stack)!r})))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == "[]"


def test_help_loads_no_heavy_library():
    code = ("from smartalloc.entrypoints.cli import app\n"
            "try:\n    app(['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass")
    assert _imported_after(code) == set()


def test_a_run_wires_the_database_but_nothing_else(tmp_path):
    # what `smartalloc run` builds before its first stage: the system of record, the
    # reader and the writer, and the traces' switch (off)
    code = (
        "import smartalloc.entrypoints.cli\n"
        "from smartalloc.bootstrap import bootstrap, sqlite_url\n"
        "from smartalloc.entrypoints import telemetry\n"
        f"system = bootstrap(sqlite_url({str(tmp_path / 'db.sqlite')!r}), key=b'k' * 32)\n"
        "system.reader, system.writer\n"
        "telemetry.configure_from_settings('cli')")
    loaded = _imported_after(code)
    assert "sqlalchemy" in loaded   # the probe does see what is imported
    assert loaded & NOT_FOR_THE_CLI == set()
    assert "psycopg" not in loaded  # a SQLite run never loads PostgreSQL's driver (its COPY)


def test_a_whole_run_loads_nothing_it_does_not_use(small_agency, tmp_path):
    """The probe above stops at the wiring; this one runs the command to its end (history
    read and written, workbooks published) and looks at what the process then holds."""
    agency = small_agency.out_dir
    args = ["run", "--agency", str(agency), "--policy", str(agency / "policy.json"),
            "--out", str(tmp_path / "out"), "--date", "1405/09/15",
            "--database-url", f"sqlite:///{tmp_path / 'h.sqlite'}"]
    code = ("from smartalloc.entrypoints.cli import app\n"
            f"try:\n    app({args!r}, standalone_mode=False)\n"
            "except SystemExit as done:\n    assert not done.code, done.code")
    loaded = _imported_after(code)
    assert "sqlalchemy" in loaded
    assert (tmp_path / "out" / "import_to_sabt.xlsx").exists()
    assert loaded & NOT_FOR_THE_CLI == set()


def test_the_workbook_writer_loads_no_web_client():
    """Every run that writes workbooks imports the writer: ``xml.sax.saxutils``, once its XML
    escape, imported urllib and http.client (~30 ms of start-up) for no use."""
    loaded = _imported_after("import smartalloc.adapters.output_writer")
    assert loaded & set(WEB_CLIENT) == set()


def test_no_program_scans_the_installed_packages_for_pydantic_plugins():
    """Building the first Pydantic model looked through every installed package's entry points
    for Pydantic plugins (``importlib.metadata``, ~7,000 files here): 20–30 ms of every
    command's start-up, for plugins SmartAlloc never installs. The entry points switch the
    search off (``PYDANTIC_DISABLE_PLUGINS``) before any model is built."""
    probe = (
        "import importlib.metadata as metadata, json, sys\n"
        "groups, scan = [], metadata.entry_points\n"
        "def counted(**selection):\n"
        "    groups.append(selection.get('group'))\n"
        "    return scan(**selection)\n"
        "metadata.entry_points = counted\n"
        "import smartalloc.entrypoints.cli\n"
        "from smartalloc.bootstrap import load_policy\n"
        "load_policy(None)\n"          # the shipped policy, validated by its models
        "print(json.dumps(groups))")
    env = {name: value for name, value in os.environ.items()
           if name != "PYDANTIC_DISABLE_PLUGINS"}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "pydantic" not in json.loads(done.stdout.splitlines()[-1])
