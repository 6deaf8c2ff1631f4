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

    @property
    def scopes(self) -> frozenset[str]:
        return SCOPES.get(self.role, frozenset())

    def check(self, scope: str) -> None:
        """403 unless the role grants ``scope`` (for a scope that depends on the request,
        e.g. which workbook)."""
        if scope not in self.scopes:
            raise HTTPException(403, f"the role '{self.role}' lacks the scope '{scope}'")


def issue_token(settings: Settings, username: str, minutes: int | None = None) -> str:
    now = datetime.now(UTC)
    # jti: every token (and so every web session and its CSRF token) is distinct, even two
    # sign-ins of one user within the same second.
    claims = {"sub": username, "iss": settings.jwt_issuer, "aud": settings.jwt_audience,
              "iat": now, "exp": now + timedelta(minutes=minutes or settings.token_minutes),
              "jti": uuid.uuid4().hex}
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


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
    expires = datetime.fromtimestamp(int(claims["exp"]), UTC).isoformat(timespec="seconds")
    sign_out(request.app.state.system.users(), str(claims["jti"]), expires)


def principal_from_token(request: Request, token: str) -> Principal:
    """The active user a token names (signature, issuer, audience, expiry checked; role read
    from the database), or 401. Used for the bearer header and the web UI's session cookie."""
    state = request.app.state
    claims = decode_token(state.settings, token)
    username = str(claims["sub"])
    users = state.system.users(state.reader)
    if signed_out(users, str(claims["jti"])):
        raise HTTPException(401, "this token was signed out", _CHALLENGE)
    user = find_user(users, username)
    if user is None or not user.active:
        raise HTTPException(401, "unknown or disabled user", _CHALLENGE)
    request.state.user = user.username
    return Principal(user.username, user.role)


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
