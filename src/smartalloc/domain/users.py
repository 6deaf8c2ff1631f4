"""Who may use the service: the roles and what a new account must satisfy. The store keeps
accounts (and their password hashes); these rules decide what it is given."""

from __future__ import annotations

from dataclasses import dataclass

from smartalloc.domain.errors import InputError, Location, Problem

ROLES = ("admin", "operator", "viewer")
MIN_PASSWORD = 8


@dataclass(frozen=True)
class UserView:
    username: str
    role: str
    active: bool


def _problem(code: str, fa: str, en: str, column: str) -> InputError:
    return InputError(Problem(code, fa, en, Location(column=column)))


def check_new_user(username: str, password: str, role: str) -> None:
    """A new account needs a known role and a password of at least ``MIN_PASSWORD``
    characters (issue I tightens what a password may be)."""
    if role not in ROLES:
        raise _problem("USER_ROLE", f"نقش نامعتبر: {role}", f"unknown role: {role}", "--role")
    if len(password) < MIN_PASSWORD:
        raise _problem("USER_PASSWORD", "رمز باید دست‌کم ۸ نویسه باشد",
                       "the password needs at least 8 characters", "--password")
    if not username.strip():
        raise _problem("USER_NAME", "نام کاربری خالی است", "the username is empty", "username")


def user_exists(username: str) -> InputError:
    return _problem("USER_EXISTS", f"کاربر «{username}» وجود دارد",
                    f"user '{username}' already exists", "username")


def unknown_user(username: str) -> InputError:
    return _problem("USER_UNKNOWN", f"کاربر «{username}» وجود ندارد", f"no user '{username}'",
                    "username")
