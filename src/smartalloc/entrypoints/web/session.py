"""Browser sessions: the API's JWT in an HttpOnly, SameSite=Strict cookie, and CSRF tokens.

The cookie holds the same token ``/api/v1/auth/token`` issues, checked by the same code
(``security.principal_from_token``: signature, issuer, audience, expiry, and the user's current
role from the database). Every state-changing POST also carries a CSRF token: an HMAC, under
the JWT secret, of the session cookie (or, on the login form, of a random pre-session nonce
cookie). A page from another site cannot read the cookie, so it cannot compute the token;
SameSite=Strict keeps the cookie off cross-site requests as a second line.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import HTTPException, Request, Response

from smartalloc.entrypoints.api.security import Principal, principal_from_token

SESSION_COOKIE = "smartalloc_session"
NONCE_COOKIE = "smartalloc_login_nonce"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


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


def session_csrf(request: Request) -> str:
    return csrf_for(request, request.cookies.get(SESSION_COOKIE, ""))


def check_csrf(request: Request, supplied: str | None, binding: str | None = None) -> None:
    """403 unless ``supplied`` is the token of this session (or of ``binding``)."""
    bound = request.cookies.get(SESSION_COOKIE, "") if binding is None else binding
    if not bound or not supplied or not hmac.compare_digest(supplied, csrf_for(request, bound)):
        raise HTTPException(403, "CSRF token missing or invalid")


def current(request: Request, scope: str | None = None) -> Principal:
    """The signed-in user of the session cookie: 401 without a valid one, 403 when the role
    lacks ``scope``."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise HTTPException(401, "sign in required")
    who = principal_from_token(request, token)
    if scope and scope not in who.scopes:
        raise HTTPException(403, f"the role '{who.role}' lacks the scope '{scope}'")
    return who


def maybe_current(request: Request) -> Principal | None:
    try:
        return current(request)
    except HTTPException:
        return None
