"""The composition root: the one place that picks the adapters and hands them to the use cases.

The CLI, the API (and its in-process job runner), the queue worker and the relay each call
``bootstrap`` once per process (or per command) and keep what it returns; nothing here is a
cached singleton, so a test or a second database in one process gets its own system. The
environment is read here and only here (the event key, the database URL's default), so every
entry point runs a job exactly as every other does.

Importing this module loads the settings, the policy file and the use cases, nothing more: each
adapter that brings a heavy library (SQLAlchemy, the Excel writer, aio-pika, numpy and
OR-Tools, the password hasher) is imported by the function that wires it, so a command pays
only for what it runs — `smartalloc --help` loads no database, `run` no broker client (issue P,
held by tests/unit/test_cli_startup.py). Those are still static imports: import-linter sees
every edge.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from smartalloc.adapters import config_file
from smartalloc.adapters.explain_file import ExplainFile
from smartalloc.adapters.key_file import installation_key
from smartalloc.adapters.messaging.names import DEFAULT_AMQP_URL, EXCHANGE
from smartalloc.adapters.overrides_book import OverridesBook
from smartalloc.adapters.overrides_file import read_overrides
from smartalloc.adapters.parallel import bind_to_parent
from smartalloc.adapters.policy_file import load_policy, policy_json_schema, write_policy
from smartalloc.adapters.progress_file import ProgressLog
from smartalloc.adapters.readers import read_history_seed
from smartalloc.adapters.uploads import ExcelReportChecker, FileUploadShelf
from smartalloc.adapters.uploads import upload_path as kept_upload
from smartalloc.adapters.whatif_file import WhatIfFile
from smartalloc.bootstrap.intake_wiring import IntakeWiring
from smartalloc.bootstrap.review_wiring import ReviewWiring
from smartalloc.domain.key_strength import check_secret
from smartalloc.service_layer import history_records, run_views, whatif
from smartalloc.service_layer.build_matrix import run_matrix_only
from smartalloc.service_layer.explain_student import explain_student
from smartalloc.service_layer.run_allocation import run_allocation

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from smartalloc.adapters.db.agency_profiles import AgencyProfiles
    from smartalloc.adapters.db.jobs import JobStore
    from smartalloc.adapters.db.mentor_registry import MentorRegistry
    from smartalloc.adapters.db.store import SqlStore
    from smartalloc.adapters.db.users import UserStore
    from smartalloc.adapters.input_reader import ExcelInputReader
    from smartalloc.adapters.output_writer import ExcelOutputWriter
    from smartalloc.domain.explain import Explanation
    from smartalloc.domain.policy import Policy
    from smartalloc.domain.records import HistoryEntry
    from smartalloc.domain.run_results import RunResults
    from smartalloc.domain.whatif import WhatIfReport
    from smartalloc.service_layer.ports import InputPaths, ProgressFn
    from smartalloc.service_layer.run_reports import RunRequest, RunResult

# Besides ``bootstrap``: the files an entry point reads or writes besides the reports (the
# policy, overrides), the database URL's default, and the messaging processes' wiring.
__all__ = [
    "DEFAULT_AMQP_URL",
    "EXCHANGE",
    "Relay",
    "System",
    "bind_to_parent",
    "bootstrap",
    "config_path",
    "configured",
    "create_config",
    "data_dir",
    "database_url",
    "event_key",
    "kept_upload",
    "load_policy",
    "matrix_only",
    "migrations",
    "policy_json_schema",
    "read_overrides",
    "run_audit_consumer",
    "sqlite_url",
    "write_policy",
]


data_dir, config_path, create_config = (config_file.data_dir, config_file.config_path,
                                        config_file.create_config)


configured = config_file.configured


def database_url(explicit: str | None = None) -> str:
    """``explicit`` (``--database-url``) → ``DATABASE_URL`` → the settings file → the SQLite
    file in the data folder."""
    from smartalloc.adapters.db import engine as db_engine

    return db_engine.database_url(explicit or configured(db_engine.ENV, "database_url"))


def sqlite_url(path: Path) -> str:
    """The URL of the SQLite file at ``path``."""
    from smartalloc.adapters.db.engine import sqlite_url as url

    return url(path)


def close_databases() -> None:
    """Close every database connection this process pooled (``db.engine.close_all``). A
    process that never opened a database has not imported the database stack, and this
    does not import it (SQLAlchemy alone takes 0.1 s)."""
    engines = sys.modules.get("smartalloc.adapters.db.engine")
    if engines is not None:
        engines.close_all()


def __getattr__(name: str) -> object:
    """The messaging processes' wiring, imported when first asked for (PEP 562): aio-pika,
    structlog and the Prometheus client stay out of every other command."""
    if name == "Relay":
        from smartalloc.adapters.messaging.relay import Relay as found
    elif name == "run_audit_consumer":
        from smartalloc.adapters.messaging.audit_consumer import run_audit_consumer as found
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return found


def event_key(*, required: bool = False) -> bytes:
    """The agency's key naming students in events and logs (``SMARTALLOC_EVENT_KEY`` or the
    settings file's ``event_key``, refused when weak). Unset: the service and workers
    (``required``) refuse to start — machines that share a database must name a student alike
    — and the command line uses this installation's own random key (``key_file``); never a key
    built into the code."""
    value = configured("SMARTALLOC_EVENT_KEY", "event_key") or ""
    if value or required:
        check_secret("SMARTALLOC_EVENT_KEY", value)
        return value.encode()
    return installation_key()


@dataclass
class System(ReviewWiring, IntakeWiring):
    """The adapters of one process, wired to the use cases it may run (manual review's and live
    intake's in their own modules)."""

    history: SqlStore
    event_key: bytes
    reader: ExcelInputReader = field(default_factory=lambda: _excel()[0])
    writer: ExcelOutputWriter = field(default_factory=lambda: _excel()[1])

    @property
    def engine(self) -> Engine:
        return self.history.engine

    def read_engine(self) -> Engine:
        """The engine for reads that may go to a replica (on SQLite a plain WAL reader), else ours."""
        from smartalloc.adapters.db.engine import make_read_engine

        return make_read_engine(self.history.url, self.engine)

    def jobs(self, read_engine: Engine | None = None) -> JobStore:
        from smartalloc.adapters.db.jobs import JobStore

        return JobStore(self.engine, read_engine) if read_engine else JobStore(self.engine)

    def mentors(self) -> MentorRegistry:
        """Mentor governance, with the outbox when the system of record has one."""
        from smartalloc.adapters.db.mentor_registry import MentorRegistry

        return MentorRegistry(self.engine, outbox=self.history.outbox)

    def profiles(self) -> AgencyProfiles:
        """The agency's profile versions (managers → centres, academic year)."""
        from smartalloc.adapters.db.agency_profiles import AgencyProfiles

        return AgencyProfiles(self.engine)

    def users(self, read_engine: Engine | None = None) -> UserStore:
        from smartalloc.adapters.db.users import UserStore

        return UserStore(self.engine, read_engine)

    @staticmethod
    def uploads(folder: Path) -> tuple[FileUploadShelf, ExcelReportChecker]:
        """Where uploads are kept, and their check with the run's own readers."""
        return FileUploadShelf(folder), ExcelReportChecker()

    @staticmethod
    def kept_run(path: Path) -> ExplainFile:
        """What a service run kept beside its workbooks (its explanations and results)."""
        return ExplainFile(path)

    @staticmethod
    def overrides_book(folder: Path) -> OverridesBook:
        """The overrides each operator chose for their next run (kept on the server)."""
        return OverridesBook(folder)

    @staticmethod
    def progress_log(folder: Path) -> ProgressLog:
        """A running job's progress events, kept in its folder (read by its page)."""
        return ProgressLog(folder)

    @staticmethod
    def kept_whatif(folder: Path) -> WhatIfFile:
        """A what-if job's report, kept in its folder."""
        return WhatIfFile(folder)

    def run_results(self, run_folder: Path) -> RunResults | None:
        """The results page's view of a service run, without its students' lines (None if it
        kept none): one stored row, cached for the 8 most recent runs."""
        return run_views.run_results(run_folder, ExplainFile)

    # --- use cases ---------------------------------------------------------------------------
    def run(self, request: RunRequest, progress: ProgressFn | None = None) -> RunResult:
        kwargs = {"progress": progress} if progress is not None else {}
        return run_allocation(request, reader=self.reader, writer=self.writer,
                              history=self.history, **kwargs)

    def explain(self, paths: InputPaths, policy: Policy, national_id: str, *,
                year: int | None = None, mentors: tuple[str, ...] = (),
                overrides: dict[str, bool] | None = None) -> Explanation | None:
        return explain_student(paths, policy, national_id, reader=self.reader,
                               history=self.history, year=year, mentors=mentors,
                               overrides=overrides or {})

    def what_if(self, paths: InputPaths, policy: Policy, *, year: int | None = None,
                overrides: dict[str, bool] | None = None,
                timings: dict[str, float] | None = None) -> WhatIfReport:
        from smartalloc.adapters.flow_solver import OrToolsFlowSolver  # numpy, OR-Tools

        return whatif.what_if(paths, policy, reader=self.reader, history=self.history,
                              solver=OrToolsFlowSolver(), year=year, overrides=overrides,
                              timings=timings)

    def search_history(self, national_id: str) -> list[HistoryEntry]:
        return history_records.search(self.history, national_id)

    def import_history(self, seed_file: Path) -> int:
        return history_records.import_seed(self.history, read_history_seed(seed_file))


def bootstrap(url: str | None = None, *, outbox: bool | None = None,
              key: bytes | None = None, reader: ExcelInputReader | None = None) -> System:
    """Wire a process to the database at ``url`` (default: ``DATABASE_URL`` or the SQLite file
    in the user data dir); the schema is brought up to date on the way. ``key``: the pseudonym
    key (default: ``event_key()``); ``reader``: one already reading (``start_reading``)."""
    from smartalloc.adapters.db.store import SqlStore  # SQLAlchemy and the schema

    wired = {"reader": reader} if reader is not None else {}
    return System(SqlStore(database_url(url), outbox=outbox), key or event_key(), **wired)


def start_reading(paths: InputPaths) -> ExcelInputReader:
    """A run's reader, what it can read before the run already started (the student report's
    package check, on the second core while the process wires itself, or taken over from the
    program's start, ``bootstrap_early``); close it (``with``) when the run is done, so a
    check no run took over is stopped."""
    from smartalloc.bootstrap_early import take_student_check

    return _excel()[0].start(paths, take_student_check(paths.students))


def migrations():
    """The schema migrations (Alembic), imported only when asked for (~0.8 s)."""
    from smartalloc.adapters.db import migrate

    return migrate


def matrix_only(paths: InputPaths, policy: Policy, out: Path,
                overrides: dict[str, bool] | None = None) -> list[Path]:
    """The matrix workbook and CSV alone: no database."""
    reader, writer = _excel()
    return run_matrix_only(paths, policy, out, reader=reader, writer=writer,
                           overrides=overrides or {})


def _excel() -> tuple[ExcelInputReader, ExcelOutputWriter]:
    """The run's reader and writer (python-calamine, XlsxWriter)."""
    from smartalloc.adapters.input_reader import ExcelInputReader
    from smartalloc.adapters.output_writer import ExcelOutputWriter

    return ExcelInputReader(), ExcelOutputWriter()
