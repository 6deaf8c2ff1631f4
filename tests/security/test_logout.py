"""Finding 8 of issue I (sessions): signing out only deleted the cookie; the token itself stayed
valid until it expired, so a copy (a shared computer, a proxy log) still signed in. Now signing
out — the page's button or ``POST /api/v1/auth/logout`` — refuses the token from then on, on
SQLite and PostgreSQL, and forgets it once it would have expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from smartalloc.adapters.db.auth_schema import RevokedToken
from smartalloc.adapters.db.users import UserStore
from smartalloc.entrypoints.api.security import issue_token
from tests.api.conftest import any_api  # noqa: F401  (fixture)
from tests.integration.conftest import pg_url, sqlite_url  # noqa: F401  (fixtures)
from tests.web.conftest import make_web, web  # noqa: F401  (fixtures)


def test_a_signed_out_bearer_token_is_refused(any_api) -> None:  # noqa: F811
    api = any_api
    token = issue_token(api.settings, "operator")
    other = issue_token(api.settings, "operator")
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/api/v1/mentors", headers=headers).status_code == 200
    assert api.client.post("/api/v1/auth/logout").status_code == 401
    assert api.client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    refused = api.client.get("/api/v1/mentors", headers=headers)
    assert refused.status_code == 401 and "signed out" in refused.text
    assert api.client.post("/api/v1/auth/logout", headers=headers).status_code == 401
    # the user's other sessions are theirs to close
    assert api.client.get("/api/v1/mentors",
                          headers={"Authorization": f"Bearer {other}"}).status_code == 200


def test_the_sign_out_button_revokes_the_session_token(web) -> None:  # noqa: F811
    web.login("operator")
    token = web.client.cookies.get("smartalloc_session")
    assert web.client.get("/ui/jobs").status_code == 200
    out = web.client.post("/ui/logout", data={"csrf_token": web.csrf()}, follow_redirects=False)
    assert out.status_code == 303
    web.client.cookies.set("smartalloc_session", token)     # the copy an attacker kept
    again = web.client.get("/ui/jobs", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/ui/login")
    bearer = web.client.get("/api/v1/mentors", headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 401


def test_revoked_tokens_are_forgotten_after_they_expire(sqlite_url) -> None:  # noqa: F811
    from smartalloc.adapters.db.store import SqlStore

    users = UserStore(SqlStore(sqlite_url).engine)
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="seconds")
    future = (datetime.now(UTC) + timedelta(minutes=60)).isoformat(timespec="seconds")
    users.revoke("old", past)
    users.revoke("new", future)
    users.revoke("new", future)                              # twice is once
    assert users.is_revoked("new") and not users.is_revoked("never")
    with users.engine.connect() as conn:
        kept = set(conn.execute(select(RevokedToken.c.jti)).scalars())
    assert kept == {"new"}                                   # the expired one was swept
