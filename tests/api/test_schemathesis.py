"""Schemathesis against the published OpenAPI, authenticated as admin, on SQLite and on
PostgreSQL (where a NUL byte in a string was a 500: issue I): whatever the generated requests,
the service never answers 5xx (bad input is a 4xx problem)."""

from __future__ import annotations

import dataclasses

import schemathesis
from hypothesis import HealthCheck, given, settings

from smartalloc.entrypoints.service import create_app


def fuzz(operation, auth: dict, failures: list) -> None:
    @settings(max_examples=15, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def check(case) -> None:
        response = case.call(headers=auth)
        if response.status_code >= 500:
            failures.append((operation.label, response.status_code, response.text[:200]))

    check()


def test_no_server_errors(any_api) -> None:
    api = any_api
    app = create_app(dataclasses.replace(api.settings, rate_limit=0))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    auth = api.auth("admin")
    failures: list[tuple[str, int, str]] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    # signing out would revoke the token every other operation is fuzzed with
    operations = [o for o in operations if o.path != "/api/v1/auth/logout"]
    assert len(operations) >= 15
    for operation in operations:
        fuzz(operation, auth, failures)
    assert failures == []
