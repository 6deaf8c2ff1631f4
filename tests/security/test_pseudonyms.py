"""Finding 2 of issue I: pseudonyms that reverse. Events named students by HMAC under a key
built into the code when SMARTALLOC_EVENT_KEY was unset (299 of 300 national ids matched), and
the log's ``hash_id`` was a salted SHA-256 with a public salt. Now: no key in the code, the
service and workers refuse to start without a strong one, the command line makes its own."""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from smartalloc.adapters.db.schema import OutboxMessage
from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.readers import read_students
from smartalloc.domain.errors import InputError
from smartalloc.domain.events import student_ref
from smartalloc.entrypoints.api import observability as obs
from smartalloc.entrypoints.api.settings import Settings

PUBLIC_KEY = b"smartalloc-development-key"    # the key the code shipped with


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "smartalloc.entrypoints.cli", *args],
                          capture_output=True, text=True, timeout=300, env=env)


def _refs(db: Path) -> set[str]:
    with SqlStore(f"sqlite:///{db}").engine.connect() as conn:
        payloads = conn.execute(select(OutboxMessage.c.payload)).scalars().all()
    return {m["payload"]["student_ref"] for m in payloads if "student_ref" in m["payload"]}


def test_a_cli_run_without_a_key_uses_its_own_secret_key(small_agency, policy, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SMARTALLOC_EVENT_KEY"}
    env.update(SMARTALLOC_DATA_DIR=str(tmp_path / "data-home" / "smartalloc"),
               SMARTALLOC_OUTBOX="on")
    refs = []
    for n in (1, 2):
        done = _cli("run", "--agency", str(small_agency.out_dir), "--out", str(tmp_path / f"o{n}"),
                    "--database-url", f"sqlite:///{tmp_path / f'h{n}.sqlite'}", env=env)
        assert done.returncode == 0, done.stderr + done.stdout
        refs.append(_refs(tmp_path / f"h{n}.sqlite"))
    assert refs[0] and refs[0] == refs[1]           # one installation names a student alike
    ids = [s.national_id for s in read_students(small_agency.students, policy).records]
    public = {student_ref(nid, PUBLIC_KEY) for nid in ids}
    assert not refs[0] & public                     # nobody can recompute them from the code
    key = tmp_path / "data-home" / "smartalloc" / "event.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert {student_ref(nid, key.read_text().strip().encode()) for nid in ids} >= refs[0]


@pytest.mark.parametrize("value", ["", "a" * 32, "short-key", "change-me-" + "x" * 30])
def test_the_service_and_workers_refuse_a_missing_or_weak_key(monkeypatch, value):
    monkeypatch.setenv("SMARTALLOC_JWT_SECRET", "jwt-secret-with-enough-entropy-0123456789")
    monkeypatch.setenv("SMARTALLOC_EVENT_KEY", value)
    for require_secret in (True, False):            # serve, worker
        with pytest.raises(InputError) as refused:
            Settings.from_env(require_secret=require_secret)
        problem = refused.value.problems[0]
        assert problem.code == ("SECRET_MISSING" if not value else "SECRET_WEAK")
        assert "SMARTALLOC_EVENT_KEY" in problem.message_en
        assert value not in problem.message_en + problem.message_fa or not value


@pytest.mark.parametrize("value", ["a" * 32, "12345678" * 4, "change-me"])
def test_a_weak_jwt_secret_is_refused(monkeypatch, value):
    monkeypatch.setenv("SMARTALLOC_JWT_SECRET", value)
    with pytest.raises(InputError) as refused:
        Settings.from_env()
    assert refused.value.problems[0].code == "SECRET_WEAK"
    assert "SMARTALLOC_JWT_SECRET" in refused.value.problems[0].message_en


def test_serve_without_a_key_does_not_start(tmp_path):
    """No key in the environment nor in the settings file (which the first start fills with a
    generated one: tests/web/test_first_start.py) — the service refuses to start."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "smartalloc.toml").write_text(f'jwt_secret = "{secrets.token_urlsafe(48)}"\n')
    (data / "smartalloc.toml").chmod(0o600)
    env = {k: v for k, v in os.environ.items() if k != "SMARTALLOC_EVENT_KEY"}
    env.update(SMARTALLOC_DATA_DIR=str(data), DATABASE_URL=f"sqlite:///{tmp_path / 's.sqlite'}")
    done = _cli("serve", "--port", "1", env=env)
    assert done.returncode != 0
    assert "SMARTALLOC_EVENT_KEY" in done.stdout + done.stderr


def test_log_pseudonyms_are_keyed():
    nid = "0012345679"
    salted = hashlib.sha256(("smartalloc:" + nid).encode()).hexdigest()[:16]
    assert obs.hash_id(nid) != salted               # the public-salt hash of the old code
    obs.use_pseudonym_key(b"k" * 32)
    first = obs.hash_id(nid)
    assert first == obs.hash_id(nid)                # lines about one student still join
    obs.use_pseudonym_key(b"another-key-" * 3)
    assert obs.hash_id(nid) != first                # and depend on the secret key
