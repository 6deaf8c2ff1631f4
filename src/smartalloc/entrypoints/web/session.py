"""Browser sessions: the API's JWT in an HttpOnly, SameSite=Strict cookie, and CSRF tokens.

The cookie holds the same token ``/api/v1/auth/token`` issues, checked by the same code
(``security.principal_from_token``: signature, issuer, audience, expiry, and the user's current
role from the database). Every state-changing POST also carries a CSRF token: an HMAC, under
the JWT secret, of the session's sign-in id (or, on the login form, of a random pre-session
nonce cookie). A page from another site cannot read the cookie, so it cannot compute the token;
SameSite=Strict keeps the cookie off cross-site requests as a second line.

The session lasts while the operator works: a page seen in the second half of the token's
lifetime renews the cookie (same sign-in id, so forms already open keep their CSRF token); an
idle session still ends after ``token_minutes``. An account on a one-time password is sent to
the page that replaces it, whatever page it asks for.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from fastapi import HTTPException, Request, Response

from smartalloc.entrypoints.api.security import (
    Principal,
    decode_token,
    issue_token,
    principal_from_token,
    session_of,
)

SESSION_COOKIE = "smartalloc_session"
NONCE_COOKIE = "smartalloc_login_nonce"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
PASSWORD_PAGE = "/ui/password"


class PasswordChangeNeeded(Exception):
    """The signed-in account still has its one-time password (answered by a redirect)."""


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session(request: Request, response: Response, token: str) -> None:
    minutes = request.app.state.settings.token_minutes
    response.set_cookie(SESSION_COOKIE, token, max_age=minutes * 60, path="/", httponly=True,
                        samesite="strict", secure=_secure(request))
    response.delete_cookie(NONCE_COOKIE, path="/ui")


def clear_session(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=_secure(request))


def login_nonce(request: Request) -> tuple[str, bool]:
    """The pre-session nonce the login form's CSRF token is bound to (and whether it is new)."""
    found = request.cookies.get(NONCE_COOKIE, "")
    return (found, False) if len(found) >= 16 else (secrets.token_urlsafe(24), True)


def set_nonce(request: Request, response: Response, nonce: str) -> None:
    response.set_cookie(NONCE_COOKIE, nonce, max_age=3600, path="/ui", httponly=True,
                        samesite="strict", secure=_secure(request))


def csrf_for(request: Request, binding: str) -> str:
    secret = request.app.state.settings.jwt_secret.encode()
    return hmac.new(secret, b"smartalloc-csrf|" + binding.encode(), hashlib.sha256).hexdigest()


def _signed_in(request: Request) -> str:
    """The sign-in id of the session cookie ("" without a valid one): what CSRF tokens are
    bound to, so a renewed cookie keeps the forms of its pages valid."""
    claims = getattr(request.state, "token_claims", None)
    if claims is None:
        token = request.cookies.get(SESSION_COOKIE, "")
        try:
            claims = decode_token(request.app.state.settings, token) if token else None
        except HTTPException:
            claims = None
    return f"sid:{session_of(claims)}" if claims else ""


def session_csrf(request: Request) -> str:
    return csrf_for(request, _signed_in(request))


def check_csrf(request: Request, supplied: str | None, binding: str | None = None) -> None:
    """403 unless ``supplied`` is the token of this session (or of ``binding``)."""
    bound = _signed_in(request) if binding is None else binding
    if not bound or not supplied or not hmac.compare_digest(supplied, csrf_for(request, bound)):
        raise HTTPException(403, "CSRF token missing or invalid")


def current(request: Request, scope: str | None = None) -> Principal:
    """The signed-in user of the session cookie: 401 without a valid one, 403 when the role
    lacks ``scope``."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise HTTPException(401, "sign in required")
    who = principal_from_token(request, token, one_time_ok=True)
    if who.must_change and request.url.path != PASSWORD_PAGE:
        raise PasswordChangeNeeded()
    if scope and scope not in who.scopes:
        raise HTTPException(403, f"the role '{who.role}' lacks the scope '{scope}'")
    _renew_if_half_spent(request, who)
    return who


def _renew_if_half_spent(request: Request, who: Principal) -> None:
    """Mark a fresh token of the same sign-in for the response (``renew_cookie``) once half
    the lifetime is gone: activity keeps the operator signed in, idleness does not."""
    claims = request.state.token_claims
    lifetime = request.app.state.settings.token_minutes * 60
    if float(claims["exp"]) - time.time() < lifetime / 2:
        request.state.renewed_token = issue_token(request.app.state.settings, who.username,
                                                  session=session_of(claims))


async def renew_cookie(request: Request, call_next) -> Response:
    """Middleware: set the renewed session cookie a page's check asked for."""
    response = await call_next(request)
    token = getattr(request.state, "renewed_token", None)
    if token and SESSION_COOKIE not in response.headers.get("set-cookie", ""):
        set_session(request, response, token)
    return response


def maybe_current(request: Request) -> Principal | None:
    """The signed-in user for a page's header, or None — also for an account still on its
    one-time password (an error page it meets must render, not redirect)."""
    try:
        return current(request)
    except (HTTPException, PasswordChangeNeeded):
        return None
