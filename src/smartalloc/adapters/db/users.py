"""API users in the system of record: argon2 hashes (pwdlib), a role, and an active flag so a
user can be disabled without deleting who they were (jobs keep naming them).

Signing in costs one argon2 check whatever the outcome: without an active account the password
is checked against a dummy hash, so the time of a refusal does not tell whether a username
exists (ASVS V2: no account enumeration; ``benchmarks/login_timing.py`` measures it).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from functools import cache

from pwdlib import PasswordHash
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from smartalloc.adapters.db.auth_schema import RevokedToken, User
from smartalloc.domain.users import ROLES, UserView, unknown_user, user_exists

__all__ = ["ROLES", "UserStore", "UserView"]
_hasher = PasswordHash.recommended()


@cache
def _dummy_hash() -> str:
    """A hash of a random password nobody knows, with the same parameters as real ones."""
    return _hasher.hash(secrets.token_urlsafe(32))


class UserStore:
    def __init__(self, engine: Engine, reader: Engine | None = None):
        self.engine, self.reader = engine, reader or engine

    def add(self, username: str, password: str, role: str, *,
            must_change: bool = False) -> UserView:
        """Store an account the rules accepted (``domain.users.check_new_user``)."""
        try:
            with self.engine.begin() as conn:
                if conn.execute(select(User.c.id).where(User.c.username == username)).first():
                    raise user_exists(username)
                conn.execute(insert(User).values(
                    username=username, password_hash=_hasher.hash(password), role=role,
                    active=True, must_change=must_change,
                    created_at=datetime.now(UTC).isoformat(timespec="seconds")))
        except IntegrityError:   # another process added the same name between check and insert
            raise user_exists(username) from None
        return UserView(username, role, True, must_change)

    def any(self) -> bool:
        """Whether any account exists (the first start makes the admin)."""
        with self.reader.connect() as conn:
            return conn.execute(select(User.c.id).limit(1)).first() is not None

    def set_password(self, username: str, password: str, *, must_change: bool) -> None:
        """Replace the password (``must_change``: it is a one-time one someone else saw)."""
        with self.engine.begin() as conn:
            done = conn.execute(update(User).where(User.c.username == username).values(
                password_hash=_hasher.hash(password), must_change=must_change)).rowcount
        if not done:
            raise unknown_user(username)

    def set_active(self, username: str, active: bool) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(update(User).where(User.c.username == username)
                                .values(active=active)).rowcount
        if not done:
            raise unknown_user(username)

    def get(self, username: str) -> UserView | None:
        with self.reader.connect() as conn:
            row = conn.execute(select(User.c.username, User.c.role, User.c.active, User.c.must_change)
                               .where(User.c.username == username)).first()
        return UserView(*row) if row else None

    def authenticate(self, username: str, password: str) -> UserView | None:
        """The active user with this password, or None (same answer for every failure)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(User.c.password_hash, User.c.username, User.c.role, User.c.active,
                                      User.c.must_change)
                               .where(User.c.username == username)).first()
        # The check runs for an unknown or disabled user too (on a dummy hash): same time.
        matches = _hasher.verify(password, row[0] if row is not None else _dummy_hash())
        if row is None or not row[3] or not matches:
            return None
        return UserView(*row[1:])

    def revoke(self, jti: str, expires_at: str) -> None:
        """Refuse the token ``jti`` from now until ``expires_at`` (ISO, UTC); tokens already
        expired are forgotten on the way (an expired token is refused anyway)."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.engine.begin() as conn:
            conn.execute(delete(RevokedToken).where(RevokedToken.c.expires_at < now))
            if not conn.execute(select(RevokedToken.c.jti).where(RevokedToken.c.jti == jti)).first():
                conn.execute(insert(RevokedToken).values(jti=jti, expires_at=expires_at))

    def is_revoked(self, *jtis: str) -> bool:
        """Whether any of ``jtis`` (a token's id, its sign-in's) was signed out: one query on
        every request that carries a token."""
        with self.reader.connect() as conn:
            return conn.execute(select(RevokedToken.c.jti).where(RevokedToken.c.jti.in_(jtis))
                                ).first() is not None
