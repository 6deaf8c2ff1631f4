"""Rate limits in the real Redis: 429 with Retry-After, then recovery; health endpoints are
exempt; with Redis unreachable the API fails open (and says so) or closed, as configured.
Time is moved on Redis's clock (the buckets' timestamps), never slept: no timing flakes."""

from __future__ import annotations

import dataclasses
import uuid

import redis
from fastapi.testclient import TestClient

from smartalloc.entrypoints.service import create_app


def _client(api, **changes) -> TestClient:
    settings = dataclasses.replace(api.settings, rate_limit_prefix=f"rl-test:{uuid.uuid4()}",
                                   **changes)
    return TestClient(create_app(settings), raise_server_exceptions=False)


def _age_buckets(settings, seconds: float) -> None:
    """Move every bucket of this client ``seconds`` into the past on Redis's own clock: the
    refill is tested without sleeping, so a slow machine cannot refill a bucket early."""
    client = redis.Redis.from_url(settings.redis_url)
    now, micros = client.time()
    for key in client.scan_iter(f"{settings.rate_limit_prefix}:*"):
        client.hset(key, "ts", str(now + micros / 1e6 - seconds))


def test_429_then_recovery_and_health_exempt(api) -> None:
    with _client(api, rate_limit=3, rate_limit_window=60.0) as client:
        auth = api.auth("viewer")
        codes = [client.get("/api/v1/mentors", headers=auth).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = client.get("/api/v1/mentors", headers=auth)
        assert limited.status_code == 429 and 15 <= int(limited.headers["Retry-After"]) <= 20
        assert limited.headers["content-type"] == "application/problem+json"
        assert all(client.get("/healthz").status_code == 200 for _ in range(10))
        _age_buckets(client.app.state.settings, 10.0)        # half a token: not yet
        assert client.get("/api/v1/mentors", headers=auth).status_code == 429
        _age_buckets(client.app.state.settings, 21.0)        # one token back
        assert client.get("/api/v1/mentors", headers=auth).status_code == 200
        assert client.get("/api/v1/mentors", headers=auth).status_code == 429
        assert client.get("/readyz").json()["rate_limit"] == "enforced"


def test_per_user_bucket_is_separate_from_ip_limits(api) -> None:
    with _client(api, rate_limit=2, rate_limit_window=60.0) as client:
        for _ in range(2):
            client.get("/api/v1/mentors", headers=api.auth("viewer"))
        assert client.get("/api/v1/mentors", headers=api.auth("admin")).status_code == 429


def test_redis_down_fails_open_or_closed(api) -> None:
    down = "redis://127.0.0.1:1/0"
    with _client(api, redis_url=down) as client:
        assert client.get("/api/v1/mentors", headers=api.auth("viewer")).status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["redis"].startswith("unavailable")
        assert ready.json()["rate_limit"] == "fail-open"
    with _client(api, redis_url=down, rate_limit_fail_open=False) as client:
        assert client.get("/api/v1/mentors", headers=api.auth("viewer")).status_code == 503
        assert client.get("/readyz").json()["rate_limit"] == "fail-closed"
