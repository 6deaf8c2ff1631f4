"""JWT bearer tokens (HS256; issuer, audience and expiry checked) and role → scope checks.

The token names the user; the role is read from the database on each request, so disabling a
user or changing a role takes effect at once rather than when the token expires.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from smartalloc.domain.users import SCOPES
from smartalloc.entrypoints.api.settings import Settings
from smartalloc.service_layer.users import sign_out, signed_out
from smartalloc.service_layer.users import user as find_user

bearer = HTTPBearer(auto_error=False)
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True)
class Principal:
    username: str
    role: str
    must_change: bool = False   # a one-time password: only the page that replaces it

    @property
    def scopes(self) -> frozenset[str]:
        return SCOPES.get(self.role, frozenset())

    def check(self, scope: str) -> None:
        """403 unless the role grants ``scope`` (for a scope that depends on the request,
        e.g. which workbook)."""
        if scope not in self.scopes:
            raise HTTPException(403, f"the role '{self.role}' lacks the scope '{scope}'")


def issue_token(settings: Settings, username: str, minutes: int | None = None, *,
                session: str | None = None) -> str:
    """A token for ``username``. jti: every token is distinct, even two sign-ins of one user
    within the same second. sid: the sign-in it belongs to — a renewed web session keeps it,
    so its CSRF token stays valid and signing out ends every token of the sign-in."""
    now = datetime.now(UTC)
    jti = uuid.uuid4().hex
    claims = {"sub": username, "iss": settings.jwt_issuer, "aud": settings.jwt_audience,
              "iat": now, "exp": now + timedelta(minutes=minutes or settings.token_minutes),
              "jti": jti, "sid": session or jti}
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def session_of(claims: dict) -> str:
    """The sign-in a token belongs to (tokens from before sessions were renewed: itself)."""
    return str(claims.get("sid") or claims["jti"])


def decode_token(settings: Settings, token: str) -> dict:
    """The claims of a valid token (signature, issuer, audience, expiry, subject and id
    required), or 401."""
    try:
        return jwt.decode(token, settings.jwt_secret, algorithms=["HS256"],
                          audience=settings.jwt_audience, issuer=settings.jwt_issuer,
                          options={"require": ["exp", "iss", "aud", "sub", "jti"]})
    except jwt.PyJWTError as exc:
        raise HTTPException(401, f"invalid token: {type(exc).__name__}", _CHALLENGE) from exc


def revoke_token(request: Request, token: str) -> None:
    """Sign the token out: refused from now until it expires (a token already invalid has
    nothing to revoke)."""
    try:
        claims = decode_token(request.app.state.settings, token)
    except HTTPException:
        return
    # Every token of the sign-in (a renewed session's earlier ones) ends with it, until the
    # longest a renewal could reach.
    lasts = timedelta(minutes=request.app.state.settings.token_minutes)
    expires = (datetime.now(UTC) + lasts).isoformat(timespec="seconds")
    users = request.app.state.system.users()
    sign_out(users, str(claims["jti"]), expires)
    sign_out(users, f"sid:{session_of(claims)}", expires)


def principal_from_token(request: Request, token: str, *,
                         one_time_ok: bool = False) -> Principal:
    """The active user a token names (signature, issuer, audience, expiry checked; role read
    from the database), or 401. Used for the bearer header and the web UI's session cookie.
    A user still on a one-time password gets 403 (``one_time_ok``: the page replacing it)."""
    state = request.app.state
    claims = decode_token(state.settings, token)
    request.state.token_claims = claims
    username = str(claims["sub"])
    users = state.system.users(state.reader)
    if signed_out(users, str(claims["jti"]), f"sid:{session_of(claims)}"):
        raise HTTPException(401, "this token was signed out", _CHALLENGE)
    user = find_user(users, username)
    if user is None or not user.active:
        raise HTTPException(401, "unknown or disabled user", _CHALLENGE)
    request.state.user = user.username
    if user.must_change and not one_time_ok:
        raise HTTPException(403, PASSWORD_CHANGE_REQUIRED)
    return Principal(user.username, user.role, user.must_change)


PASSWORD_CHANGE_REQUIRED = ("this account still has its one-time password: choose your own on "
                            "the sign-in page (/ui/login) first")


def principal(request: Request,
              credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "a bearer token is required", _CHALLENGE)
    return principal_from_token(request, credentials.credentials)


def require(scope: str):
    """A dependency: the caller's role must grant ``scope`` (403 otherwise)."""
    def check(who: Principal = Depends(principal)) -> Principal:
        who.check(scope)
        return who
    check.__name__ = f"require_{scope.replace(':', '_')}"
    return check
