"""Issue J, deliver 1: every setting in one table, read from the environment or the data
folder's settings file; the data folder holds everything, the database included."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from smartalloc.bootstrap import create_config, database_url, event_key
from smartalloc.domain.errors import InputError
from smartalloc.entrypoints.api.settings import OPTIONS, Settings
from smartalloc.entrypoints.first_start import settings_text

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"
JWT = "Zs0-settings-file-secret-with-entropy-Qw9_Lm3"


@pytest.fixture
def data(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("SMARTALLOC_DATA_DIR", str(folder))
    for option in OPTIONS:
        monkeypatch.delenv(option.env, raising=False)
    return folder


def write(folder: Path, text: str, mode: int = 0o600) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "smartalloc.toml"
    path.write_text(text)
    path.chmod(mode)
    return path


def test_the_file_then_the_environment_then_the_default(data, monkeypatch):
    write(data, f'jwt_secret = "{JWT}"\nevent_key = "{JWT}-key"\ntoken_minutes = 30\n'
                'api_docs = true\nredis_url = ""\n')
    settings = Settings.from_env()
    assert (settings.jwt_secret, settings.token_minutes, settings.api_docs) == (JWT, 30, True)
    assert settings.redis_url == ""              # "no Redis" is a value, not "use the default"
    assert settings.event_key == f"{JWT}-key".encode() == event_key(required=True)
    assert settings.max_upload_bytes == 20 * 1024 * 1024          # not in the file: default
    monkeypatch.setenv("SMARTALLOC_TOKEN_MINUTES", "45")
    assert Settings.from_env().token_minutes == 45                # the environment wins


def test_the_data_folder_holds_the_database(data):
    assert database_url() == f"sqlite:///{data / 'smartalloc.sqlite'}"
    write(data, 'database_url = "postgresql://agency@db/smartalloc"\n')
    assert database_url() == "postgresql+psycopg://agency@db/smartalloc"
    assert Settings.from_env(require_secret=False, require_key=False).data_dir == data


@pytest.mark.parametrize(("text", "mode", "code"), [
    (f'jwt_secret = "{JWT}"\n', 0o644, "CONFIG_READABLE"),       # others could sign in as anyone
    ('jwt_secret = "unterminated\n', 0o600, "CONFIG_SYNTAX"),
    ('token_minutes = "an hour"\n', 0o600, "SETTING_NOT_A_NUMBER"),
])
def test_a_settings_file_that_cannot_be_trusted_stops_the_start(data, text, mode, code):
    path = write(data, text, mode)
    with pytest.raises(InputError) as refused:
        Settings.from_env(require_secret=False, require_key=False)
    problem = refused.value.problems[0]
    assert problem.code == code
    assert code == "SETTING_NOT_A_NUMBER" or problem.location.file == str(path)
    assert "an hour" not in problem.message_en or code == "SETTING_NOT_A_NUMBER"


def test_the_first_file_is_kept_and_made_private(data):
    assert create_config(settings_text(redis_found=True))
    first = (data / "smartalloc.toml").read_text()
    assert not create_config(settings_text(redis_found=True))   # a second start keeps it
    assert (data / "smartalloc.toml").read_text() == first
    assert (data / "smartalloc.toml").stat().st_mode & 0o077 == 0
    assert data.stat().st_mode & 0o077 == 0
    settings = Settings.from_env()                                # its secrets pass the checks
    assert settings.jwt_secret and settings.event_key and settings.redis_url
    assert Settings.from_env().jwt_secret == settings.jwt_secret


def test_without_redis_the_file_says_so(data):
    create_config(settings_text(redis_found=False))
    assert Settings.from_env().redis_url == ""


def test_the_documented_table_is_the_settings_table():
    """docs/api.md#settings lists exactly ``OPTIONS`` (key, variable and default)."""
    rows = re.findall(r"^\| `([a-z_]+)` \| `([A-Z_]+)` \| ([^|]*) \|", DOCS.read_text(), re.M)
    documented = {(key, env) for key, env, _ in rows}
    assert documented == {(o.key, o.env) for o in OPTIONS}
    defaults = {key: default.strip().strip("`") for key, _, default in rows}
    for option in OPTIONS:
        if option.default:
            assert defaults[option.key] == option.default, option.key
