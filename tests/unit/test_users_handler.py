"""Account rules are the domain's, applied before the directory stores anything."""

from __future__ import annotations

import pytest

from smartalloc.domain.errors import InputError
from smartalloc.domain.users import UserView
from smartalloc.service_layer.users import add_user, disable_user, sign_in


class Directory:
    def __init__(self):
        self.accounts: dict[str, tuple[str, str, bool]] = {}

    def add(self, username, password, role):
        self.accounts[username] = (password, role, True)
        return UserView(username, role, True)

    def set_active(self, username, active):
        password, role, _ = self.accounts[username]
        self.accounts[username] = (password, role, active)

    def get(self, username):
        found = self.accounts.get(username)
        return UserView(username, found[1], found[2]) if found else None

    def authenticate(self, username, password):
        found = self.accounts.get(username)
        ok = found and found[0] == password and found[2]
        return UserView(username, found[1], True) if ok else None


@pytest.mark.parametrize(("name", "password", "role", "code"), [
    ("ali", "long-enough", "owner", "USER_ROLE"),
    ("ali", "short", "viewer", "USER_PASSWORD"),
    ("  ", "long-enough", "viewer", "USER_NAME"),
])
def test_a_refused_account_never_reaches_the_directory(name, password, role, code):
    directory = Directory()
    with pytest.raises(InputError) as err:
        add_user(directory, name, password, role)
    assert err.value.problems[0].code == code and directory.accounts == {}


def test_a_disabled_account_cannot_sign_in():
    directory = Directory()
    add_user(directory, "ali", "long-enough", "operator")
    assert sign_in(directory, "ali", "long-enough") == UserView("ali", "operator", True)
    disable_user(directory, "ali")
    assert sign_in(directory, "ali", "long-enough") is None
