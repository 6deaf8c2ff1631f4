"""A real app per test (SQLite in tmp_path, users admin/operator/viewer) driven through the
browser-facing pages with a cookie-keeping TestClient."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from smartalloc.entrypoints.service import Settings, create_app
from tests.api.conftest import add_users
from tests.policies import policy_file_for_tests

SECRET = "web-test-secret-with-enough-entropy-0123456789"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_ROLES = ("inspactor", "schools", "students", "managers", "crosswalk", "roster")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert found, "the page has no CSRF field"
    return found[1]


@dataclass
class Web:
    client: TestClient
    settings: Settings

    def login(self, role: str, password: str | None = None, *, follow: bool = False):
        form = self.client.get("/ui/login")
        assert form.status_code == 200, form.text
        return self.client.post("/ui/login", data={
            "username": role, "password": password or f"{role}-password",
            "csrf_token": csrf_of(form.text)}, follow_redirects=follow)

    def csrf(self, path: str = "/ui/jobs") -> str:
        return csrf_of(self.client.get(path).text)


def make_settings(url: str, data_dir: Path, **extra) -> Settings:
    return Settings(database_url=url, data_dir=data_dir, jwt_secret=SECRET,
                    rate_limit_prefix=f"smartalloc-webtest:{uuid.uuid4()}", queue="inline",
                    **{"rate_limit": 0, "policy_path": policy_file_for_tests(), **extra})


@pytest.fixture
def make_web(tmp_path: Path):
    apps = []

    def build(**extra) -> Web:
        url = f"sqlite:///{tmp_path / 'web.sqlite'}"
        add_users(url)
        settings = make_settings(url, tmp_path / "data", **extra)
        app = create_app(settings)
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        apps.append((app, client))
        return Web(client, settings)

    yield build
    for app, client in apps:
        client.__exit__(None, None, None)
        app.state.engine.dispose()
        app.state.reader.dispose()


@pytest.fixture
def web(make_web) -> Iterator[Web]:
    yield make_web()
