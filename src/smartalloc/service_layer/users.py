"""Use cases of accounts: add one, disable one, look one up, sign in. The CLI's `users`
commands, the API's token route and the sign-in page call these."""

from __future__ import annotations

from smartalloc.domain.users import UserView, check_new_user
from smartalloc.service_layer.service_ports import UserDirectory


def add_user(users: UserDirectory, username: str, password: str, role: str) -> UserView:
    check_new_user(username, password, role)
    return users.add(username, password, role)


def disable_user(users: UserDirectory, username: str) -> None:
    users.set_active(username, False)


def user(users: UserDirectory, username: str) -> UserView | None:
    return users.get(username)


def sign_in(users: UserDirectory, username: str, password: str) -> UserView | None:
    """The active account with this password, or None — the same answer for every failure."""
    return users.authenticate(username, password)


def sign_out(users: UserDirectory, token_id: str, expires_at: str) -> None:
    """The token is refused from now on, not only forgotten by the browser: a copy taken from
    the closed session (a shared computer, a proxy log) no longer signs anyone in."""
    users.revoke(token_id, expires_at)


def signed_out(users: UserDirectory, token_id: str) -> bool:
    return users.is_revoked(token_id)
