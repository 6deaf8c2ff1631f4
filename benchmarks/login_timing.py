"""Sign-in timing (issue I, finding 3): a wrong password for an existing user against an unknown
username, through the real token route (``POST /api/v1/auth/token``) of an in-process app on
a throw-away SQLite file, the failure throttle off (it would lock the account after five).
Acceptance: the two medians differ by less than 10 %; before the fix an unknown user skipped
argon2 (~9 ms against ~270 ms), which told anyone which accounts exist.

The two kinds are interleaved so drift of the machine hits both alike. Prints both medians and
their ratio; exits 1 when they differ by 10 % or more.

    .venv/bin/python benchmarks/login_timing.py [--rounds 25]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

import structlog
from fastapi.testclient import TestClient

from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.db.users import UserStore
from smartalloc.entrypoints.service import Settings, create_app


def timed(client: TestClient, username: str) -> float:
    started = time.perf_counter()
    response = client.post("/api/v1/auth/token",
                           data={"username": username, "password": "not-the-password"})
    elapsed = time.perf_counter() - started
    assert response.status_code == 401, response.status_code
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'timing.sqlite'}"
        engine = SqlStore(url).engine
        UserStore(engine).add("operator", "operator-password-0123", "operator")
        engine.dispose()
        app = create_app(Settings(database_url=url, data_dir=Path(tmp) / "data",
                                  jwt_secret="timing-benchmark-secret-0123456789abcdef",
                                  rate_limit=0, login_throttle=False, queue="inline"))
        # The request and audit lines would drown the four lines this prints.
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
        with TestClient(app) as client:
            timed(client, "operator")
            timed(client, "nobody-warm-up")
            known, unknown = [], []
            for i in range(args.rounds):
                known.append(timed(client, "operator"))
                unknown.append(timed(client, f"nobody-{i}"))
        app.state.engine.dispose()
        app.state.reader.dispose()
    known_ms, unknown_ms = statistics.median(known) * 1000, statistics.median(unknown) * 1000
    ratio = unknown_ms / known_ms
    print(f"rounds: {args.rounds}")
    print(f"existing user, wrong password: median {known_ms:.1f} ms")
    print(f"unknown user:                  median {unknown_ms:.1f} ms")
    print(f"ratio unknown/existing: {ratio:.3f} (acceptance: within 0.90–1.10)")
    return 0 if abs(ratio - 1) < 0.10 else 1


if __name__ == "__main__":
    sys.exit(main())
