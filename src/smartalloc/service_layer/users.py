"""Use cases of accounts: add one, disable one, look one up, sign in. The CLI's `users`
commands, the API's token route and the sign-in page call these."""

from __future__ import annotations

import secrets

from smartalloc.domain.errors import InputError
from smartalloc.domain.users import (
    FIRST_ADMIN,
    UserView,
    check_new_password,
    check_new_user,
    unknown_user,
    wrong_password,
)
from smartalloc.service_layer.service_ports import UserDirectory

# No 0/o, 1/l/i: read off a terminal and typed by hand. 16 of 31 signs ≈ 79 bits.
_READABLE = "abcdefghjkmnpqrstuvwxyz23456789"


def add_user(users: UserDirectory, username: str, password: str, role: str, *,
             must_change: bool = False) -> UserView:
    check_new_user(username, password, role)
    return users.add(username, password, role, must_change=must_change)


def first_admin(users: UserDirectory) -> str | None:
    """On the first start (no account at all): the admin account ``FIRST_ADMIN`` with a
    one-time password, returned to be shown once; its first sign-in must replace it. None
    when any account exists (also when another process made it a moment ago)."""
    if users.any():
        return None
    password = one_time_password()
    try:
        users.add(FIRST_ADMIN, password, "admin", must_change=True)
    except InputError:
        return None
    return password


def one_time_password() -> str:
    signs = "".join(secrets.choice(_READABLE) for _ in range(16))
    return "-".join(signs[i:i + 4] for i in range(0, 16, 4))


def change_password(users: UserDirectory, username: str, current: str, new: str) -> None:
    """The user's own change: the current password proves it is them (a stolen session cannot
    lock the owner out), the new one passes the rules and differs from the current one."""
    if users.authenticate(username, current) is None:
        raise wrong_password()
    check_new_password(username, new, current=current)
    users.set_password(username, new, must_change=False)


def reset_password(users: UserDirectory, username: str, password: str | None = None) -> str:
    """An administrator's reset on the server (``smartalloc users password``): the given
    password (checked), or a one-time one — returned to be shown once, to be replaced at the
    next sign-in because the administrator saw it."""
    if users.get(username) is None:
        raise unknown_user(username)
    if password:
        check_new_password(username, password)
        users.set_password(username, password, must_change=False)
        return password
    password = one_time_password()
    users.set_password(username, password, must_change=True)
    return password


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


def signed_out(users: UserDirectory, *token_ids: str) -> bool:
    return users.is_revoked(*token_ids)
