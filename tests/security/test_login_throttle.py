"""Finding 4 of issue I: no throttle per account (64 wrong passwords, 16 at a time, slowed
everyone) and none at all while Redis was down. Now failures are counted per account and per
address with a doubling lock, refused attempts cost no password check, unknown names are
treated alike, sign-in refuses (503) without Redis, and password checks run a few at a time."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest
import redis

from smartalloc.entrypoints.api import login_guard
from smartalloc.entrypoints.api.login_guard import ACCOUNT_FAILURES, ADDRESS_FAILURES, LoginGuard
from tests.api.conftest import api  # noqa: F401  (fixture)
from tests.integration.conftest import sqlite_url  # noqa: F401  (fixture)
from tests.web.conftest import make_web, web  # noqa: F401  (fixtures)


def _token(api, username: str, password: str):  # noqa: F811  (not the fixture)
    return api.client.post("/api/v1/auth/token", data={"username": username,
                                                       "password": password})


def test_an_account_is_locked_after_repeated_failures(api) -> None:  # noqa: F811
    for _ in range(ACCOUNT_FAILURES):
        assert _token(api, "operator", "wrong").status_code == 401
    locked = _token(api, "operator", "operator-password")   # even the right password waits
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 1
    assert _token(api, "viewer", "viewer-password").status_code == 200   # others sign in
    for _ in range(ACCOUNT_FAILURES):                        # an unknown name: the same
        _token(api, "nobody", "wrong")
    assert _token(api, "nobody", "wrong").status_code == 429
    time.sleep(int(locked.headers["Retry-After"]) + 0.2)
    assert _token(api, "operator", "operator-password").status_code == 200
    # a success clears the account's count: one more failure does not lock it
    assert _token(api, "operator", "wrong").status_code == 401
    assert _token(api, "operator", "operator-password").status_code == 200


def test_an_address_is_locked_after_many_failures_on_any_names(api) -> None:  # noqa: F811
    for n in range(ADDRESS_FAILURES):
        assert _token(api, f"guess-{n}", "wrong").status_code == 401
    assert _token(api, "admin", "admin-password").status_code == 429


def test_a_locked_page_sign_in_is_a_persian_429(web) -> None:  # noqa: F811
    for _ in range(ACCOUNT_FAILURES):
        assert web.login("operator", "wrong").status_code == 401
    answer = web.login("operator")
    assert answer.status_code == 429 and 'lang="fa"' in answer.text


def test_without_redis_sign_in_fails_closed(api) -> None:  # noqa: F811
    state = api.client.app.state
    state.login_guard = LoginGuard(replace(state.settings, redis_url="redis://127.0.0.1:1/0"))
    refused = _token(api, "operator", "operator-password")
    assert refused.status_code == 503 and "Redis" in refused.text
    headers = api.auth("viewer")                               # other requests go on
    assert api.client.get("/api/v1/mentors", headers=headers).status_code == 200


def test_password_checks_run_a_few_at_a_time(monkeypatch) -> None:
    monkeypatch.setattr(login_guard, "HASHING", threading.BoundedSemaphore(1))
    running, most = [0], [0]
    lock = threading.Lock()

    class Users:
        def authenticate(self, username, password):
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.02)
            with lock:
                running[0] -= 1

    from tests.web.conftest import make_settings

    settings = make_settings("sqlite://", "/tmp", login_throttle=False)
    guard = LoginGuard(settings)
    threads = [threading.Thread(target=guard.sign_in, args=(Users(), "ip", "u", "p"))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1


@pytest.fixture(autouse=True)
def _redis_up() -> None:
    redis.Redis.from_url("redis://127.0.0.1:6379/0").ping()   # these tests need the real one
