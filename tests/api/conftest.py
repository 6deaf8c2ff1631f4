"""A real service per test: create_app on a SQLite file or a fresh PostgreSQL database, three
users (admin, operator, viewer) and their tokens; jobs run in the app's worker thread."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from smartalloc.adapters.db import migrate
from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.db.users import UserStore
from smartalloc.entrypoints.api.security import issue_token
from smartalloc.entrypoints.service import Settings, create_app
from tests.integration.conftest import pg_url, sqlite_url  # noqa: F401  (fixtures)
from tests.policies import policy_file_for_tests

SECRET = "test-secret-with-enough-entropy-0123456789"
ROLES = ("admin", "operator", "viewer")


@dataclass
class Api:
    client: TestClient
    settings: Settings
    tokens: dict[str, str]

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def upload(self, endpoint: str, path: Path, role: str, *, as_role: str = "operator",
               headers: dict | None = None):
        with path.open("rb") as fh:
            return self.client.post(
                f"/api/v1/{endpoint}/import", data={"role": role},
                files={"file": (path.name, fh, "application/vnd.openxmlformats-officedocument"
                                                 ".spreadsheetml.sheet")},
                headers={**self.auth(as_role), **(headers or {})})

    def wait(self, job_id: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = self.client.get(f"/api/v1/allocation/status/{job_id}",
                                   headers=self.auth("viewer")).json()
            if body["state"] in ("succeeded", "failed"):
                return body
            time.sleep(0.05)
        raise AssertionError(f"job {job_id} did not finish: {body}")


def add_users(url: str) -> None:
    """One user per role, named after it, password "<role>-password" (idempotent)."""
    engine = SqlStore(url).engine
    users = UserStore(engine)
    for role in ROLES:
        if users.get(role) is None:
            users.add(role, f"{role}-password", role)
    engine.dispose()


def make_api(url: str, data_dir: Path, queue: str = "inline",
             policy_path: Path | None = None, wrap: type[Api] = Api,
             **extra: object) -> Iterator[Api]:
    """A real app on ``url`` with the three users; ``extra``: other settings; ``wrap``: the
    helper class handed to the test."""
    if not url.startswith("sqlite"):
        migrate.upgrade(url)   # a shared PostgreSQL is upgraded deliberately
    settings = Settings(database_url=url, data_dir=data_dir, jwt_secret=SECRET,
                        rate_limit_prefix=f"smartalloc-test:{uuid.uuid4()}", queue=queue,
                        policy_path=policy_path or policy_file_for_tests(), **extra)
    add_users(url)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield wrap(client, settings, {r: issue_token(settings, r) for r in ROLES})
    app.state.engine.dispose()
    app.state.reader.dispose()


@pytest.fixture
def api(sqlite_url: str, tmp_path: Path) -> Iterator[Api]:  # noqa: F811
    yield from make_api(sqlite_url, tmp_path / "data")


@pytest.fixture(params=["sqlite", "postgresql"])
def any_api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    yield from make_api(url, tmp_path / "data")
