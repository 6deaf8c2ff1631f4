"""Account rules are the domain's, applied before the directory stores anything."""

from __future__ import annotations

import pytest

from smartalloc.domain.errors import InputError
from smartalloc.domain.users import UserView
from smartalloc.service_layer.users import add_user, disable_user, sign_in


class Directory:
    def __init__(self):
        self.accounts: dict[str, tuple[str, str, bool]] = {}

    def add(self, username, password, role, *, must_change=False):
        self.accounts[username] = (password, role, True)
        return UserView(username, role, True, must_change)

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
    ("ali", "kq3-Vx9_pL2m-tir", "owner", "USER_ROLE"),
    ("ali", "short", "viewer", "USER_PASSWORD"),
    ("ali", "12345678", "viewer", "USER_PASSWORD"),         # issue I: accepted before
    ("ali", "password1234", "viewer", "USER_PASSWORD"),     # long enough, but on every list
    ("ali", "qwertyuiop123", "viewer", "USER_PASSWORD"),    # a keyboard walk
    ("alireza", "alireza-1404", "viewer", "USER_PASSWORD"),  # the username and a year
    ("  ", "kq3-Vx9_pL2m-tir", "viewer", "USER_NAME"),
])
def test_a_refused_account_never_reaches_the_directory(name, password, role, code):
    directory = Directory()
    with pytest.raises(InputError) as err:
        add_user(directory, name, password, role)
    assert err.value.problems[0].code == code and directory.accounts == {}


def test_a_disabled_account_cannot_sign_in():
    directory = Directory()
    add_user(directory, "ali", "kq3-Vx9_pL2m-tir", "operator")
    assert sign_in(directory, "ali", "kq3-Vx9_pL2m-tir") == UserView("ali", "operator", True)
    disable_user(directory, "ali")
    assert sign_in(directory, "ali", "kq3-Vx9_pL2m-tir") is None


@pytest.mark.parametrize("password", ["کتابخانه مرکزی شیراز باران", "correct horse battery staple",
                                      "Tir-Mah/Panjare-7-Sabz"])
def test_a_passphrase_is_accepted(password):
    directory = Directory()
    add_user(directory, "sara", password, "viewer")
    assert "sara" in directory.accounts
