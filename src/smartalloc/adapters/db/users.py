"""API users in the system of record: argon2 hashes (pwdlib), a role, and an active flag so a
user can be disabled without deleting who they were (jobs keep naming them)."""

from __future__ import annotations

from datetime import UTC, datetime

from pwdlib import PasswordHash
from sqlalchemy import Engine, insert, select, update

from smartalloc.adapters.db.auth_schema import User
from smartalloc.domain.users import ROLES, UserView, unknown_user, user_exists

__all__ = ["ROLES", "UserStore", "UserView"]
_hasher = PasswordHash.recommended()


class UserStore:
    def __init__(self, engine: Engine, reader: Engine | None = None):
        self.engine, self.reader = engine, reader or engine

    def add(self, username: str, password: str, role: str) -> UserView:
        """Store an account the rules accepted (``domain.users.check_new_user``)."""
        with self.engine.begin() as conn:
            if conn.execute(select(User.id).where(User.username == username)).first():
                raise user_exists(username)
            conn.execute(insert(User).values(
                username=username, password_hash=_hasher.hash(password), role=role, active=True,
                created_at=datetime.now(UTC).isoformat(timespec="seconds")))
        return UserView(username, role, True)

    def set_active(self, username: str, active: bool) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(update(User).where(User.username == username)
                                .values(active=active)).rowcount
        if not done:
            raise unknown_user(username)

    def get(self, username: str) -> UserView | None:
        with self.reader.connect() as conn:
            row = conn.execute(select(User.username, User.role, User.active)
                               .where(User.username == username)).first()
        return UserView(*row) if row else None

    def authenticate(self, username: str, password: str) -> UserView | None:
        """The active user with this password, or None (same answer for every failure)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(User.username, User.role, User.active, User.password_hash)
                               .where(User.username == username)).first()
        if row is None or not row[2] or not _hasher.verify(password, row[3]):
            return None
        return UserView(row[0], row[1], row[2])
