"""Finding I-1: a request body is bounded before anything parses it.

Before, a multipart body was parsed (and spooled to the temp folder) before authentication and
before the 20 MB check, so an anonymous 500 MB POST grew /tmp by 500 MB. Each test streams a
generated 60 MB multipart body (one chunk at a time, never held in memory) and watches the
temp folder while the body is read: the answer is a 413 problem (or, for an upload route, a
401 before any byte is read) and the temp folder never holds more than the route's limit.

The spool is an unnamed (O_TMPFILE or unlinked) file, so it is measured through this process's
open file descriptors that point into the temp folder, not by listing the folder.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from smartalloc.entrypoints.api.limits import DEFAULT_LIMIT, FRAMING
from tests.security.conftest import BOUNDARY, MULTIPART, part, stream_post

MB = 1024 * 1024
TOTAL = 60 * MB
CHUNK = 64 * 1024


def spooled(folder: Path) -> int:
    """Bytes held by files in ``folder``: named ones and open, unlinked ones."""
    total = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith(str(folder)):
                total += os.fstat(int(fd)).st_size
        except OSError:
            continue
    return total


class Stream:
    """A 60 MB multipart upload generated chunk by chunk; notes the bytes the app pulled and
    the most the temp folder held meanwhile."""

    def __init__(self, folder: Path, field: str = "file"):
        self.folder, self.field, self.sent, self.peak = folder, field, 0, 0

    def __iter__(self) -> Iterator[bytes]:
        head = part("role", b"students") + part(self.field, b"", b"big.xlsx")[:-2]
        self.sent += len(head)
        yield head
        chunk = b"PK" + b"\0" * (CHUNK - 2)
        for _ in range(TOTAL // CHUNK):
            self.peak = max(self.peak, spooled(self.folder))
            self.sent += CHUNK
            yield chunk
        yield f"\r\n--{BOUNDARY}--\r\n".encode()


@pytest.fixture
def temp_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "spool"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def post(service, path: str, stream: Stream, **headers: str):
    return stream_post(service.client.app, path, stream,
                       {"content-type": MULTIPART, **headers})


def assert_problem_413(answer) -> None:
    assert answer.status == 413, answer.body[:300]
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = json.loads(answer.body)
    assert body["status"] == 413 and body["correlation_id"]
    item = body["errors"][0]
    assert item["code"] == "BODY_TOO_LARGE" and item["message_fa"] and item["message_en"]


def test_anonymous_stream_to_import_never_spools(service, temp_folder: Path) -> None:
    stream = Stream(temp_folder)
    answer = post(service, "/api/v1/students/import", stream)
    assert answer.status in (401, 413), answer.body[:300]
    limit = service.settings.max_upload_bytes + FRAMING
    assert stream.peak <= limit and stream.sent <= limit + CHUNK
    assert spooled(temp_folder) == 0


def test_authenticated_stream_to_import_is_stopped_at_the_limit(service,
                                                                temp_folder: Path) -> None:
    stream = Stream(temp_folder)
    answer = post(service, "/api/v1/students/import", stream,
                  authorization=service.auth("operator")["Authorization"])
    assert_problem_413(answer)
    limit = service.settings.max_upload_bytes + FRAMING
    assert stream.peak <= limit and stream.sent <= limit + CHUNK
    assert spooled(temp_folder) == 0


def test_anonymous_stream_to_login_is_stopped_at_the_small_limit(service,
                                                                  temp_folder: Path) -> None:
    stream = Stream(temp_folder, field="username")
    answer = post(service, "/ui/login", stream)
    assert answer.status == 413, answer.body[:300]   # the UI's error page
    assert stream.peak <= DEFAULT_LIMIT and stream.sent <= DEFAULT_LIMIT + CHUNK


@pytest.mark.parametrize("path", ["/api/v1/students/import", "/ui/login", "/api/v1/auth/token"])
def test_declared_length_over_the_limit_is_refused_unread(service, temp_folder: Path,
                                                          path: str) -> None:
    stream = Stream(temp_folder)
    answer = post(service, path, stream, **{"content-length": str(TOTAL + 1024)})
    assert answer.status == 413, answer.body[:300]
    assert stream.sent == 0 and stream.peak == 0
    if not path.startswith("/ui/"):
        assert_problem_413(answer)


def test_small_bodies_still_pass(service) -> None:
    response = service.client.post("/api/v1/allocation/run", json={"inspactor": "x"},
                                   headers=service.auth("operator"))
    assert response.status_code == 422 and response.json()["errors"]
    token = service.client.post("/api/v1/auth/token",
                                data={"username": "viewer", "password": "viewer-password"})
    assert token.status_code == 200


def test_streamed_json_over_the_small_limit_is_413(service) -> None:
    pulled = 0

    def chunks() -> Iterator[bytes]:
        nonlocal pulled
        yield b'{"reason": "'
        for _ in range(40):   # 2.5 MB
            pulled += CHUNK
            yield b"a" * CHUNK
        yield b'"}'

    answer = stream_post(service.client.app, "/api/v1/mentors/M1/freeze", chunks(), {
        "content-type": "application/json", **{"authorization": service.auth("admin")[
            "Authorization"]}})
    assert_problem_413(answer)
    assert pulled <= DEFAULT_LIMIT + CHUNK
