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

from smartalloc.entrypoints.api.settings import Settings
from smartalloc.service_layer.users import user as find_user

SCOPES = {
    "admin": {"alloc:run", "import", "report:read", "mentors:write", "users:admin"},
    "operator": {"alloc:run", "import", "report:read"},
    "viewer": {"report:read"},
}
_bearer = HTTPBearer(auto_error=False)
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True)
class Principal:
    username: str
    role: str

    @property
    def scopes(self) -> set[str]:
        return SCOPES.get(self.role, set())


def issue_token(settings: Settings, username: str, minutes: int | None = None) -> str:
    now = datetime.now(UTC)
    # jti: every token (and so every web session and its CSRF token) is distinct, even two
    # sign-ins of one user within the same second.
    claims = {"sub": username, "iss": settings.jwt_issuer, "aud": settings.jwt_audience,
              "iat": now, "exp": now + timedelta(minutes=minutes or settings.token_minutes),
              "jti": uuid.uuid4().hex}
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def _decode(settings: Settings, token: str) -> str:
    try:
        claims = jwt.decode(token, settings.jwt_secret, algorithms=["HS256"],
                            audience=settings.jwt_audience, issuer=settings.jwt_issuer,
                            options={"require": ["exp", "iss", "aud", "sub"]})
    except jwt.PyJWTError as exc:
        raise HTTPException(401, f"invalid token: {type(exc).__name__}", _CHALLENGE) from exc
    return str(claims["sub"])


def principal_from_token(request: Request, token: str) -> Principal:
    """The active user a token names (signature, issuer, audience, expiry checked; role read
    from the database), or 401. Used for the bearer header and the web UI's session cookie."""
    state = request.app.state
    username = _decode(state.settings, token)
    user = find_user(state.system.users(state.reader), username)
    if user is None or not user.active:
        raise HTTPException(401, "unknown or disabled user", _CHALLENGE)
    request.state.user = user.username
    return Principal(user.username, user.role)


def principal(request: Request,
              credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "a bearer token is required", _CHALLENGE)
    return principal_from_token(request, credentials.credentials)


def require(scope: str):
    """A dependency: the caller's role must grant ``scope`` (403 otherwise)."""
    def check(who: Principal = Depends(principal)) -> Principal:
        if scope not in who.scopes:
            raise HTTPException(403, f"the role '{who.role}' lacks the scope '{scope}'")
        return who
    check.__name__ = f"require_{scope.replace(':', '_')}"
    return check
