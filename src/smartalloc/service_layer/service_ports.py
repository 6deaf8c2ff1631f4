"""Ports of the service's own operations — jobs, uploads, kept runs, accounts — as protocols
(the run's ports, governance and history are in ``ports``).

The API, the pages and the job runner reach the jobs table, the upload folder, what a run kept
and the accounts only through these; the adapters implement them, the tests fake them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from smartalloc.domain.policy import Policy
from smartalloc.domain.run_results import RunResults, StudentLine
from smartalloc.domain.users import UserView


class KeptRun(Protocol):
    """What a service run keeps beside its workbooks (``explain.sqlite``): every student's
    explanation and the results page's view of the run."""

    def exists(self) -> bool: ...

    def results(self) -> RunResults: ...

    def summary(self) -> RunResults:
        """The results view without the students' lines (what the results page shows)."""
        ...

    def line(self, national_id: str) -> StudentLine | None: ...

    def by_name(self, key: str, limit: int = 50) -> list[StudentLine]:
        """Students whose name's ``match_key`` contains ``key``, in the run's order."""
        ...

    def find(self, national_id: str, mentors: tuple[str, ...] = ()) -> object | None:
        """The student's kept explanation (and why each of ``mentors`` was not chosen)."""
        ...


class ProgressLogReader(Protocol):
    """A running job's progress events, as its processes appended them."""

    def read(self) -> list[dict]: ...


class KeptWhatIf(Protocol):
    """A what-if job's report, kept in the job's folder."""

    def keep(self, text: str) -> None: ...

    def read(self) -> dict | None: ...


class JobRecord(Protocol):
    """A job as the jobs table keeps it."""

    id: str
    kind: str
    state: str
    params: dict
    result: dict | None
    error: dict | None
    request_hash: str


class JobBook(Protocol):
    """The jobs table: uploads (finished at once) and allocation runs."""

    def get(self, job_id: str) -> JobRecord | None: ...

    def latest(self, kind: str, state: str = "succeeded") -> JobRecord | None: ...

    def by_key(self, user: str, key: str) -> JobRecord | None: ...

    def create(self, kind: str, params: dict, *, user: str, key: str | None = None,
               request_hash: str = "", **values: object) -> tuple[JobRecord, bool]:
        """The new job (True), or the one this user's ``key`` already created (False)."""
        ...

    def recent(self, kind: str, limit: int = 30) -> list[JobRecord]: ...

    # --- what a runner does with a job ----------------------------------------------------
    def claim(self, job_id: str) -> bool:
        """queued → running, once (a job delivered twice runs once)."""
        ...

    def update(self, job_id: str, **values: object) -> None: ...

    def heartbeat(self, job_id: str) -> bool: ...

    def requeue_stale(self, older_than: float) -> list[str]: ...

    def queued(self) -> list[str]: ...

    def queued_before(self, older_than: float) -> list[str]:
        """Jobs (runs and what-ifs) queued, untouched, for more than ``older_than`` seconds."""
        ...


class JobQueue(Protocol):
    def submit(self, job_id: str) -> None: ...


class UploadShelf(Protocol):
    """Where uploaded reports are kept, each in a place of its own named by its id."""

    def put(self, file_id: str, data: bytes, name: str) -> Path:
        """Store the bytes under the operator's file name (what a problem will name) and
        return where, for checking."""
        ...

    def accept(self, file_id: str, checked: Path) -> None:
        """Keep the checked file as the upload a run will read."""
        ...

    def discard(self, file_id: str) -> None: ...


class ReportChecker(Protocol):
    def rows(self, role: str, path: Path, policy: Policy,
             max_rows: int | None = None) -> int | None:
        """Read the report as a run would (raising its problems); how many rows it has. Over
        ``max_rows`` it stops reading there and raises ``LimitError``."""
        ...

    def kinds(self, path: Path, policy: Policy) -> tuple[str, ...]:
        """The reports (input roles) whose required columns the file's header holds, best
        match first: how a report put in another's slot is recognised."""
        ...


class UserDirectory(Protocol):
    """Accounts with their password hashes, roles and active flags."""

    def add(self, username: str, password: str, role: str, *,
            must_change: bool = False) -> UserView: ...

    def any(self) -> bool: ...

    def set_password(self, username: str, password: str, *, must_change: bool) -> None: ...

    def set_active(self, username: str, active: bool) -> None: ...

    def get(self, username: str) -> UserView | None: ...

    def authenticate(self, username: str, password: str) -> UserView | None: ...

    def revoke(self, jti: str, expires_at: str) -> None:
        """Refuse the token ``jti`` until it expires (signed out)."""
        ...

    def is_revoked(self, *jtis: str) -> bool:
        """Whether any of ``jtis`` was signed out."""
        ...
