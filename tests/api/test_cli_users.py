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
