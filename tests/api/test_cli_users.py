"""`smartalloc users add|disable|token` against a SQLite file: the token it prints is accepted
by the API until the user is disabled."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from smartalloc.entrypoints.cli import app as cli_app
from smartalloc.entrypoints.service import Settings, create_app
from tests.api.conftest import SECRET


def test_users_add_token_disable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'users.sqlite'}"
    monkeypatch.setenv("SMARTALLOC_JWT_SECRET", SECRET)
    runner = CliRunner()
    db = ["--database-url", url]
    added = runner.invoke(cli_app, ["users", "add", "sara", "--role", "operator",
                                    "--password", "long-enough-pw-Tir7", *db])
    assert added.exit_code == 0, added.output
    bad_role = runner.invoke(cli_app, ["users", "add", "x", "--role", "root",
                                       "--password", "long-enough-pw-Tir7", *db])
    assert bad_role.exit_code != 0
    issued = runner.invoke(cli_app, ["users", "token", "sara", *db])
    assert issued.exit_code == 0, issued.output
    token = issued.output.strip()

    app = create_app(Settings(database_url=url, data_dir=tmp_path / "data", jwt_secret=SECRET))
    with TestClient(app) as client:
        auth = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/mentors", headers=auth).status_code == 200
        assert runner.invoke(cli_app, ["users", "disable", "sara", *db]).exit_code == 0
        assert client.get("/api/v1/mentors", headers=auth).status_code == 401
    app.state.engine.dispose()


def test_users_add_without_a_password_prints_a_one_time_one(tmp_path: Path, monkeypatch) -> None:
    """Issue J (Why 7): `users add` prompted for a password and, without a terminal, cancelled.
    Now it prints a one-time password the user's first sign-in must replace; `users password`
    gives a new one (or sets a chosen one)."""
    import re

    url = f"sqlite:///{tmp_path / 'users.sqlite'}"
    monkeypatch.delenv("SMARTALLOC_PASSWORD", raising=False)
    runner = CliRunner()
    added = runner.invoke(cli_app, ["users", "add", "sara", "--role", "operator",
                                    "--database-url", url], input="")
    assert added.exit_code == 0, added.output
    first = re.search(r"one-time password[^:]*:\s*(\S+)", added.output)[1]
    app = create_app(Settings(database_url=url, data_dir=tmp_path / "data", jwt_secret=SECRET,
                              rate_limit=0))
    with TestClient(app) as client:
        def token(password: str) -> int:
            return client.post("/api/v1/auth/token",
                               data={"username": "sara", "password": password}).status_code

        assert token(first) == 403                       # one-time: only the page replacing it
        reset = runner.invoke(cli_app, ["users", "password", "sara", "--database-url", url])
        second = re.search(r":\s*(\S+)\s*$", reset.output.strip())[1]
        assert second != first and token(first) == 401 and token(second) == 403
        chosen = runner.invoke(cli_app, ["users", "password", "sara", "--password",
                                         "tir-mah/panjare-7-sabz", "--database-url", url])
        assert chosen.exit_code == 0, chosen.output
        assert token("tir-mah/panjare-7-sabz") == 200
    app.state.engine.dispose()
