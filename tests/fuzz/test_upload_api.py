"""The upload endpoints of the real app on hostile uploads (hostile workbooks, files that are not
workbooks, odd names and content types, zip bombs, a 50 MB file): never a 5xx, every refusal
is problem+json with a message, and a refused upload leaves nothing behind — no folder under
uploads/, no row in the jobs table."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from smartalloc.adapters.db.auth_schema import Job
from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.db.users import UserStore
from smartalloc.entrypoints.api.security import issue_token
from smartalloc.entrypoints.service import Settings, create_app
from tests.fuzz.builders import PERSIAN, texts, workbook, zip_bomb
from tests.fuzz.conftest import COUNT, FUZZ, QUOTAS
from tests.fuzz.test_readers import hostile_workbooks, raw_files
from tests.policies import policy_file_for_tests

SECRET = "fuzz-secret-with-enough-entropy-0123456789"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ENDPOINT = {"students": "students", "schools": "students", "crosswalk": "students",
            "roster": "students", "inspactor": "mentors", "managers": "mentors"}


class Uploads:
    def __init__(self, client: TestClient, settings: Settings, token: str):
        self.client, self.settings = client, settings
        self.headers = {"Authorization": f"Bearer {token}"}

    def post(self, role: str, data: bytes, name: str = "report.xlsx", ctype: str = XLSX,
             endpoint: str | None = None):
        return self.client.post(f"/api/v1/{endpoint or ENDPOINT[role]}/import",
                                data={"role": role}, files={"file": (name, data, ctype)},
                                headers=self.headers)

    def kept(self) -> tuple[set[str], int]:
        folders = ({p.name for p in self.settings.uploads.iterdir()}
                   if self.settings.uploads.exists() else set())
        with self.client.app.state.engine.connect() as conn:
            jobs = conn.execute(select(func.count()).select_from(Job)).scalar()
        return folders, jobs

    def check(self, response, before: tuple[set[str], int]) -> None:
        assert response.status_code < 500, response.text
        if response.status_code in (200, 201):
            return
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["status"] == response.status_code and body["title"].strip(), body
        for item in body.get("errors", []):
            assert PERSIAN.search(item["message_fa"]) and item["message_en"].strip(), item
        assert self.kept() == before, "a refused upload left something behind"


@pytest.fixture(scope="module")
def uploads(tmp_path_factory) -> Iterator[Uploads]:
    """The real app on a SQLite file, rate limit off (thousands of requests from one user)."""
    root = tmp_path_factory.mktemp("fuzz-api")
    url = f"sqlite:///{root / 'smartalloc.sqlite'}"
    settings = Settings(database_url=url, data_dir=root / "data", jwt_secret=SECRET,
                        rate_limit=0, queue="inline", policy_path=policy_file_for_tests())
    store = SqlStore(url)
    UserStore(store.engine).add("operator", "operator-password", "operator")
    store.engine.dispose()
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Uploads(client, settings, issue_token(settings, "operator"))
    app.state.engine.dispose()
    app.state.reader.dispose()


names = st.one_of(st.just("report.xlsx"), st.just("../../etc/passwd.xlsx"),
                  st.just("گزارش\u202e.xlsx"), st.just("a/b\\c.xlsx"), st.just(".xlsx"),
                  texts.map(lambda t: t.replace("\x00", "") + ".xlsx"), st.just("report.pdf"))
ctypes = st.sampled_from([XLSX, XLSX, XLSX, "application/octet-stream", "text/plain",
                          "application/pdf", ""])


@settings(FUZZ, max_examples=QUOTAS["upload_api"])
@given(data=st.data())
def test_hostile_uploads_never_5xx_and_leave_nothing(uploads: Uploads, bases, data) -> None:
    if data.draw(st.integers(0, 2)):
        role, tables = data.draw(hostile_workbooks(bases))
        body = workbook(tables)
    else:
        role = data.draw(st.sampled_from(sorted(ENDPOINT)))
        body = data.draw(raw_files(workbook(bases["students"])))
    name, ctype = data.draw(names), data.draw(ctypes)
    endpoint = data.draw(st.sampled_from([None, None, None, "students", "mentors"]))
    COUNT["upload_api"] += 1
    before = uploads.kept()
    uploads.check(uploads.post(role, body, name, ctype, endpoint), before)


def test_the_upload_quota_ran() -> None:
    assert COUNT["upload_api"] >= QUOTAS["upload_api"]


@pytest.mark.parametrize("case", ["50 MB", "zip bomb", "far cell"])
def test_oversized_uploads_are_refused_and_leave_nothing(uploads: Uploads, case: str) -> None:
    from tests.fuzz.test_readers import SPECIAL

    body = {"50 MB": lambda: b"PK\x03\x04" + os.urandom(50 * 1024 * 1024),
            "zip bomb": lambda: zip_bomb(2 * 1024**3, honest=True),
            "far cell": lambda: SPECIAL["cells at A1 and XFD1048576"](b"")}[case]()
    before = uploads.kept()
    response = uploads.post("students", body)
    uploads.check(response, before)
    assert response.status_code == (413 if case == "50 MB" else 422), response.text


