"""A real service per test for the security checks (issue I): create_app on a SQLite file or a
fresh PostgreSQL database, the three users of tests/api, no rate limit (a test that sends
fifty sign-ins must not meet the limiter), and a helper to build multipart bodies by hand
(httpx percent-escapes control characters in a file name, a hostile client does not)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import Api, make_api
from tests.integration.conftest import pg_url, sqlite_url  # noqa: F401  (fixtures)

BOUNDARY = "smartalloc-security-boundary"


class Service(Api):
    def login_csrf(self) -> str:
        form = self.client.get("/ui/login")
        found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', form.text)
        assert found, form.text[:300]
        return found[1]


def build(url: str, data_dir: Path, **extra) -> Iterator[Service]:
    """No rate limit and no sign-in throttle: a test that sends fifty sign-ins measures them."""
    yield from make_api(url, data_dir, wrap=Service,
                        **{"rate_limit": 0, "login_throttle": False, **extra})


@pytest.fixture
def service(sqlite_url: str, tmp_path: Path) -> Iterator[Service]:  # noqa: F811
    yield from build(sqlite_url, tmp_path / "data")


@pytest.fixture(params=["sqlite", "postgresql"])
def any_service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Service]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    yield from build(url, tmp_path / "data")


def part(name: str, value: bytes, filename: bytes | None = None,
         ctype: str = "application/octet-stream") -> bytes:
    """One multipart part, its header bytes exactly as given."""
    head = b'Content-Disposition: form-data; name="' + name.encode() + b'"'
    if filename is not None:
        head += b'; filename="' + filename + b'"\r\nContent-Type: ' + ctype.encode()
    return b"--" + BOUNDARY.encode() + b"\r\n" + head + b"\r\n\r\n" + value + b"\r\n"


def multipart(*parts: bytes) -> bytes:
    return b"".join(parts) + b"--" + BOUNDARY.encode() + b"--\r\n"


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


@dataclasses.dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def stream_post(app, path: str, chunks, headers: dict[str, str]) -> Answer:
    """POST ``chunks`` to the ASGI app one message per chunk, as a server relays a chunked
    body: nothing is read ahead (TestClient reads a streamed body whole before the app sees
    it), so a test can tell how much of the body the app pulled."""
    import asyncio

    async def drive() -> Answer:
        source, done = iter(chunks), asyncio.Event()
        status, out_headers, out = 0, {}, bytearray()
        finished = False

        async def receive() -> dict:
            nonlocal finished
            if not finished:
                try:
                    return {"type": "http.request", "body": next(source), "more_body": True}
                except StopIteration:
                    finished = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            nonlocal status, out_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                out_headers = {k.decode().lower(): v.decode() for k, v in message["headers"]}
            elif message["type"] == "http.response.body":
                out.extend(message.get("body", b""))
                if not message.get("more_body"):
                    done.set()

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
                 "root_path": "", "query_string": b"", "client": ("127.0.0.1", 50000),
                 "server": ("testserver", 80), "extensions": {}, "state": {},
                 "headers": [(k.lower().encode(), v.encode()) for k, v in
                             {"host": "testserver", **headers}.items()]}
        await app(scope, receive, send)
        return Answer(status, out_headers, bytes(out))

    return asyncio.run(drive())
