"""Sign-in and sign-out: the API's password check, then its JWT in the session cookie."""

from __future__ import annotations

from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from smartalloc.domain.errors import InputError, Location, Problem
from smartalloc.entrypoints.api.login_guard import guarded_sign_in
from smartalloc.entrypoints.api.observability import log
from smartalloc.entrypoints.api.security import Principal, issue_token, revoke_token
from smartalloc.entrypoints.web.pages import page, redirect
from smartalloc.entrypoints.web.session import (
    CSRF_FIELD,
    NONCE_COOKIE,
    PASSWORD_PAGE,
    SESSION_COOKIE,
    check_csrf,
    clear_session,
    csrf_for,
    current,
    login_nonce,
    maybe_current,
    set_nonce,
    set_session,
)
from smartalloc.service_layer.users import change_password

router = APIRouter(include_in_schema=False)


def mismatch() -> Problem:
    return Problem("USER_PASSWORD_MISMATCH", "دو گذرواژهٔ تازه یکی نیستند",
                   "the two new passwords differ", Location(column="new_password_again"))


def _home(who: Principal | None) -> str:
    if who is None:
        return "/ui/login"
    return "/ui/run" if "alloc:run" in who.scopes else "/ui/jobs"


def _safe_next(target: str | None) -> str | None:
    target = unquote(target or "")
    ok = target.startswith("/ui/") and not target.startswith("//") and "\\" not in target
    return target if ok and not target.startswith("/ui/login") else None


@router.get("/")
@router.get("/ui")
@router.get("/ui/")
def home(request: Request) -> Response:
    return redirect(_home(maybe_current(request)))


@router.get("/ui/login")
def login_form(request: Request) -> Response:
    who = maybe_current(request)
    if who is not None:
        return redirect(_safe_next(request.query_params.get("next")) or _home(who))
    return _login_page(request)


def _login_page(request: Request, *, status: int = 200, failed: bool = False,
                username: str = "") -> Response:
    nonce, new = login_nonce(request)
    response = page(request, "login.html", status=status, who=None, failed=failed,
                    login_csrf=csrf_for(request, nonce), username=username,
                    expired=request.query_params.get("expired") == "1",
                    next=_safe_next(request.query_params.get("next")) or "")
    if new:
        set_nonce(request, response, nonce)
    return response


@router.post("/ui/login")
async def login(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD, "")), request.cookies.get(NONCE_COOKIE, ""))
    username, password = str(form.get("username", ""))[:64], str(form.get("password", ""))
    state = request.app.state
    user = await guarded_sign_in(request, username, password) if username and password \
        else None
    log.info("audit", action="sign_in", user=username, ok=user is not None, via="web")
    if user is None:
        return _login_page(request, status=401, failed=True, username=username)
    who = Principal(user.username, user.role)
    target = _safe_next(str(form.get("next", ""))) or _home(who)
    response = redirect(PASSWORD_PAGE if user.must_change else target)
    set_session(request, response, issue_token(state.settings, user.username))
    return response


@router.get(PASSWORD_PAGE)
def password_form(request: Request) -> Response:
    """Choose a password: required after a one-time one, open to anyone signed in."""
    who = current(request)
    return page(request, "password.html", who=who, first=who.must_change, problems=[])


@router.post(PASSWORD_PAGE)
async def password_change(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD, "")))
    who = current(request)
    new, again = str(form.get("new_password", "")), str(form.get("new_password_again", ""))
    try:
        if new != again:
            raise InputError(mismatch())
        change_password(request.app.state.system.users(), who.username,
                        str(form.get("current_password", "")), new)
    except InputError as err:
        return page(request, "password.html", status=422, who=who, first=who.must_change,
                    problems=err.problems)
    log.info("audit", action="password_changed", user=who.username, via="web")
    return redirect(_home(who) + "?password=changed")


@router.post("/ui/logout")
async def logout(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD, "")))
    if token := request.cookies.get(SESSION_COOKIE):
        revoke_token(request, token)   # refused from now on, not only forgotten
    response = redirect("/ui/login")
    clear_session(request, response)
    return response
