"""Issue J (Why 9, deliver 7): a session lasts while the operator works — a page seen in the
second half of the token's life renews the cookie, keeping the sign-in (its CSRF tokens stay
valid) — and signing out ends every token of the sign-in. Without Redis, failed sign-ins are
still counted (in the one process)."""

from __future__ import annotations

import jwt

from smartalloc.entrypoints.api.login_guard import ACCOUNT_FAILURES
from smartalloc.entrypoints.api.security import issue_token
from smartalloc.entrypoints.web.session import SESSION_COOKIE
from tests.web.conftest import SECRET, csrf_of


def _use(web, token: str) -> None:
    web.client.cookies.clear()
    web.client.cookies.set(SESSION_COOKIE, token, domain="testserver.local", path="/")


def _claims(token: str) -> dict:
    return jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_aud": False})


def test_an_active_session_is_renewed_and_keeps_its_forms(make_web):
    web = make_web()
    old = issue_token(web.settings, "operator", minutes=10)   # 10 of 60 minutes left
    _use(web, old)
    page = web.client.get("/ui/jobs")
    assert page.status_code == 200
    renewed = web.client.cookies.get(SESSION_COOKIE)
    assert renewed and renewed != old
    before, after = _claims(old), _claims(renewed)
    assert after["sid"] == before["sid"] and after["exp"] > before["exp"] + 45 * 60
    # The form was rendered before the cookie changed; its CSRF token still counts.
    out = web.client.post("/ui/logout", data={"csrf_token": csrf_of(page.text)},
                          follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/ui/login"
    # Signing out ended the sign-in: the earlier token of it is refused too.
    _use(web, old)
    again = web.client.get("/ui/jobs", follow_redirects=False)
    assert again.status_code == 303 and "/ui/login" in again.headers["location"]


def test_a_fresh_session_is_not_renewed(make_web):
    web = make_web()
    web.login("operator")
    first = web.client.cookies.get(SESSION_COOKIE)
    assert web.client.get("/ui/jobs").status_code == 200
    assert web.client.cookies.get(SESSION_COOKIE) == first


def test_without_redis_failed_sign_ins_are_still_counted(make_web):
    web = make_web(redis_url="", login_throttle=True)
    for _ in range(ACCOUNT_FAILURES):
        assert web.login("operator", "wrong-password").status_code == 401
    locked = web.login("operator")                     # the right password, but locked
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 1
    assert web.login("viewer").status_code == 303       # another account is not
    assert web.client.get("/readyz").json()["redis"] == "not configured"


def test_a_one_time_password_account_meets_pages_not_errors(make_web) -> None:
    """On a one-time password every page sends to /ui/password; an unknown page is its 404
    page (it rendered the header through the redirect and answered 500)."""
    from smartalloc.adapters.db.users import UserStore

    web = make_web()
    UserStore(web.client.app.state.engine).set_password("operator", "operator-password",
                                                        must_change=True)
    assert web.login("operator").headers["location"] == "/ui/password"
    assert web.client.get("/ui/jobs", follow_redirects=False).headers["location"] == \
        "/ui/password"
    assert web.client.get("/ui/no-such-page").status_code == 404
    assert web.client.get("/ui/password").status_code == 200
