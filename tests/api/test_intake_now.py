"""POST /api/v1/intake/gravity-forms in mode "now" (issue L, slice 2) on SQLite and PostgreSQL:
before any run an entry is queued; after a run it is allocated on arrival against that run's
reports — mentor, alias and registration code in the answer, the allocation in the database
counted in the run's seats, its events in the outbox — a retry gets the same answer, a second
entry of the same student is a duplicate, and the next batch skips the live student."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from smartalloc.adapters.db.schema import Allocation, IntakeEntry, OutboxMessage, Student
from smartalloc.adapters.db.seats_view import SeatsView
from smartalloc.domain.contracts import SABT_COLUMNS, SABT_SHEET
from smartalloc.domain.counters import CODE_PATTERN
from smartalloc.entrypoints.api import routes_intake
from smartalloc.entrypoints.api.downloads import XLSX
from smartalloc.service_layer.intake import IntakeAnswer
from tests.api.conftest import Api, make_api
from tests.api.test_flow import upload_all
from tests.intake_payloads import SECRET, SECRET_ENV, entry, now_policy_file
from tests.unit.factories import valid_national_id

URL = "/api/v1/intake/gravity-forms"
HEADERS = {"X-SmartAlloc-Intake-Key": SECRET, "Content-Type": "application/json"}
GENDER_WORD = {0: "دختر", 1: "پسر"}


@pytest.fixture(params=["sqlite", "postgresql"])
def now_api(request, tmp_path: Path, monkeypatch) -> Iterator[Api]:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    path = now_policy_file(tmp_path)
    yield from make_api(url, tmp_path / "data", policy_path=path)


@pytest.fixture
def api_sqlite_now(sqlite_url: str, tmp_path: Path, monkeypatch) -> Iterator[Api]:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    path = now_policy_file(tmp_path)
    yield from make_api(sqlite_url, tmp_path / "data", policy_path=path)


def post(api: Api, body: dict):
    return api.client.post(URL, content=json.dumps(body, ensure_ascii=False).encode(),
                           headers=HEADERS)


def entry_like(n: int, keys: tuple, entry_id: int | None = None) -> dict:
    """Entry ``n`` (a new national id) with the six keys of a student the run placed."""
    group, gender, status, center, finance, school = keys
    return entry(n, entry_id=entry_id, **{"73": str(group), "92": GENDER_WORD[gender],
                                          "80": str(status), "81": str(center),
                                          "75": str(finance), "30": str(school or "")})


def run(api: Api, agency) -> str:
    started = api.client.post("/api/v1/allocation/run", json=upload_all(api, agency),
                              headers=api.auth("operator"))
    assert api.wait(started.json()["job_id"])["state"] == "succeeded"
    return started.json()["job_id"]


def placed_keys(api: Api) -> tuple:
    """The keys of a student the run allocated (its mentors have rows for them)."""
    with api.client.app.state.engine.connect() as conn:
        row = conn.execute(select(Student.c.group_code, Student.c.gender,
                                  Student.c.graduation_status, Student.c.center, Student.c.finance,
                                  Student.c.school_code)
                           .join(Allocation, Allocation.c.national_id == Student.c.national_id)
                           .order_by(Student.c.national_id).limit(1)).one()
    return tuple(row)


def test_allocated_on_arrival_after_a_run(now_api: Api, small_agency) -> None:
    early = post(now_api, entry(5000))
    assert early.status_code == 202 and early.json()["status"] == "queued"   # no run yet

    run(now_api, small_agency)
    keys = placed_keys(now_api)
    engine = now_api.client.app.state.engine
    with engine.connect() as conn:
        run_id = conn.execute(select(Allocation.c.run_id)).scalars().first()
    answer = post(now_api, entry_like(5001, keys))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "allocated" and body["mode"] == "now" and body["failure"] is None
    mentor, code = body["mentor"], body["registration_code"]
    assert mentor["id"] and mentor["name"] and mentor["alias"] and CODE_PATTERN.match(code)
    nid = valid_national_id(5001)
    with engine.connect() as conn:
        held = conn.execute(select(Allocation.c.mentor_id, Allocation.c.code, Allocation.c.run_id)
                            .where(Allocation.c.national_id == nid)).one()
        codes = conn.execute(select(Allocation.c.code)).scalars().all()
        stored = conn.execute(select(IntakeEntry.c.status).order_by(IntakeEntry.c.id)).scalars().all()
        events = conn.execute(select(OutboxMessage.c.event_type)).scalars().all()
    assert tuple(held) == (mentor["id"], code, run_id)
    assert len(codes) == len(set(codes))                    # the code is new
    assert stored == ["queued", "allocated"]
    if engine.dialect.name == "postgresql":
        assert {"StudentImported", "CounterGenerated", "MentorAssigned"} <= set(events)
    # the seat is counted as a run counts it (the next batch on this report too)
    seats = SeatsView(engine).seats([mentor["id"]])[mentor["id"]]
    with engine.connect() as conn:
        given = conn.execute(select(Allocation).where(
            Allocation.c.mentor_id == mentor["id"], Allocation.c.run_id == run_id)).all()
    assert seats.taken >= len(given) >= 1

    retry = post(now_api, entry_like(5001, keys))
    assert (retry.status_code, retry.json()) == (200, body)
    again = post(now_api, entry_like(5001, keys, entry_id=9999))   # same student, new entry
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate" and again.json()["failure"] == "DUPLICATE"
    assert again.json()["registration_code"] == code
    assert nid not in again.text.replace(f'"{nid}"', "")           # no id echoed in a reason


def test_the_same_files_are_not_run_again_over_live_allocations(api_sqlite_now: Api,
                                                                small_agency) -> None:
    """A re-run of the basis run's files replays it, which would delete every allocation
    recorded under its id — the live ones too: it is refused, and they stay."""
    run(api_sqlite_now, small_agency)
    answer = post(api_sqlite_now, entry_like(5001, placed_keys(api_sqlite_now)))
    assert answer.json()["status"] == "allocated"
    started = api_sqlite_now.client.post("/api/v1/allocation/run",
                                         json=upload_all(api_sqlite_now, small_agency),
                                         headers=api_sqlite_now.auth("operator"))
    done = api_sqlite_now.wait(started.json()["job_id"])
    assert done["state"] == "failed" and "RUN_REVIEWED" in json.dumps(done)
    with api_sqlite_now.client.app.state.engine.connect() as conn:
        kept = conn.execute(select(Allocation.c.code).where(
            Allocation.c.national_id == valid_national_id(5001))).scalar()
    assert kept == answer.json()["registration_code"]


def test_students_allocated_on_arrival_reach_an_import_to_sabt(api_sqlite_now: Api,
                                                               small_agency, tmp_path) -> None:
    """The batch skips a student allocated on arrival, so no run's ImportToSabt holds it: the
    hand-over (``POST /api/v1/intake/sabt``) writes them (built by the batch's own rows), once;
    ``all=true`` writes them again; a role that may not see students gets nothing."""
    api = api_sqlite_now
    run(api, small_agency)
    keys = placed_keys(api)
    answers = [post(api, entry_like(n, keys)).json() for n in (5101, 5102)]
    assert [a["status"] for a in answers] == ["allocated", "allocated"]
    assert api.client.post("/api/v1/intake/sabt",
                           headers=api.auth("viewer")).status_code == 403
    made = api.client.post("/api/v1/intake/sabt", headers=api.auth("operator"))
    assert made.status_code == 200, made.text
    assert made.headers["content-type"] == XLSX
    assert 'filename="ImportToSabt-online-' in made.headers["content-disposition"]
    out = tmp_path / "live-sabt.xlsx"
    out.write_bytes(made.content)
    sheet = CalamineWorkbook.from_path(str(out)).get_sheet_by_name(SABT_SHEET).to_python()
    header, rows = sheet[0], sheet[1:]
    assert list(header) == list(SABT_COLUMNS)
    got = [(str(r[0]), str(r[1]), str(r[SABT_COLUMNS.index("کد ملی")])) for r in rows]
    assert got == [(a["mentor"]["id"], a["registration_code"], valid_national_id(n))
                   for a, n in zip(answers, (5101, 5102), strict=True)]
    again = api.client.post("/api/v1/intake/sabt", headers=api.auth("operator"))
    assert again.status_code == 204 and not again.content
    everyone = api.client.post("/api/v1/intake/sabt?all=true", headers=api.auth("operator"))
    assert everyone.status_code == 200
    out.write_bytes(everyone.content)
    assert len(CalamineWorkbook.from_path(str(out)).get_sheet_by_name(SABT_SHEET)
               .to_python()) == 3


def test_one_process_decides_at_most_in_flight_entries_at_once(api_sqlite_now: Api,
                                                                monkeypatch) -> None:
    """Six entries arrive together: two are decided (each in a thread), the others wait on
    the event loop for a place — and every one is answered."""
    inside, most, count = 0, 0, threading.Lock()
    release = threading.Event()

    def receive(*_args, **_kwargs) -> IntakeAnswer:
        nonlocal inside, most
        with count:
            inside += 1
            most = max(most, inside)
        release.wait(10)
        with count:
            inside -= 1
        return IntakeAnswer(202, {"status": "queued"}, "queued")

    monkeypatch.setattr(routes_intake, "receive_entry", receive)
    app = api_sqlite_now.client.app

    async def six() -> list[int]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://test") as client:
            sent = [asyncio.create_task(client.post(
                URL, content=json.dumps(entry(n)).encode(), headers=HEADERS))
                for n in range(6)]
            await asyncio.sleep(0.5)          # all six have arrived
            release.set()
            return [answer.status_code for answer in await asyncio.gather(*sent)]

    assert asyncio.run(six()) == [202] * 6
    assert most == routes_intake.IN_FLIGHT == 2
