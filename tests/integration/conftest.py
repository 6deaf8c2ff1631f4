"""Real databases for the integration tests: a throw-away PostgreSQL database per test and a
SQLite file. PostgreSQL being down is a failure, never a skip: `.ci/run` starts it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from smartalloc.adapters.db.scratch import LOCAL_SERVER, ScratchDatabases

PG_SERVER = LOCAL_SERVER


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh database `smartalloc_test_<hex>_db`, dropped afterwards (sessions ended first)."""
    dbs = ScratchDatabases("smartalloc_test", PG_SERVER)
    try:
        name = dbs.create()
    except OperationalError as exc:
        dbs.drop_all()
        pytest.fail(f"PostgreSQL is not reachable at {PG_SERVER} ({exc.orig}); start it with "
                    "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` "
                    "or run `.ci/run`", pytrace=False)
    try:
        yield dbs.url(name)
    finally:
        dbs.drop_all()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'smartalloc.sqlite'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request):
    """The system of record on each database: SQLite upgrades itself, a shared PostgreSQL
    database is upgraded deliberately."""
    from smartalloc.adapters.db.migrate import upgrade
    from smartalloc.adapters.db.store import SqlStore

    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    if request.param == "postgresql":
        upgrade(url)
    return SqlStore(url)


def reported_mentors(engine, *mentor_ids: str) -> None:
    """Mentors as a recorded run's InspactorReport leaves them (active), without the run:
    governance refuses an id no report has named."""
    from sqlalchemy import insert

    from smartalloc.adapters.db.schema import Mentor

    with engine.begin() as conn:
        for m in mentor_ids:
            conn.execute(insert(Mentor).values(mentor_id=m, name=f"mentor {m}", status="active"))
