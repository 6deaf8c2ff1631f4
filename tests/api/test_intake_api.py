"""POST /api/v1/intake/gravity-forms (issue L, slice 1) on SQLite and PostgreSQL: the secret,
the map, the D14 judgement, idempotency by (source, form, entry), the outbox, the export the
next batch reads, and no personal value in any answer or log line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from smartalloc.adapters.db.schema import IntakeEntry, OutboxMessage
from smartalloc.adapters.readers import read_students
from smartalloc.bootstrap import bootstrap
from smartalloc.domain.contracts import StudentCol as C
from tests.api.conftest import Api, make_api
from tests.intake_payloads import SECRET, SECRET_ENV, entry, intake_policy
from tests.unit.factories import valid_national_id

URL = "/api/v1/intake/gravity-forms"
HEADERS = {"X-SmartAlloc-Intake-Key": SECRET}


@pytest.fixture(params=["sqlite", "postgresql"])
def intake_api(request, tmp_path: Path, monkeypatch) -> Iterator[Api]:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    path = tmp_path / "policy.json"
    path.write_text(intake_policy().model_dump_json(), "utf-8")
    yield from make_api(url, tmp_path / "data", policy_path=path)


def post(api: Api, body: object, headers: dict | None = None):
    return api.client.post(URL, content=json.dumps(body, ensure_ascii=False).encode(),
                           headers={"Content-Type": "application/json",
                                    **(HEADERS if headers is None else headers)})


def stored(api: Api) -> list:
    with api.client.app.state.engine.connect() as conn:
        return conn.execute(select(IntakeEntry).order_by(IntakeEntry.c.id)).all()


def test_a_good_entry_is_stored_queued_and_announced(intake_api: Api) -> None:
    answer = post(intake_api, entry(0))
    assert answer.status_code == 202, answer.text
    assert answer.json() | {"reason_fa": ""} == {
        "status": "queued", "mode": "queued", "source": "main", "form_id": "7",
        "entry_id": "1000", "failure": None, "reason_fa": "", "reason_en": "", "fields": []}
    rows = stored(intake_api)
    assert len(rows) == 1 and rows[0].وضعیت == "queued"
    assert rows[0].کد_ملی == valid_national_id(0)
    engine = intake_api.client.app.state.engine
    with engine.connect() as conn:
        events = conn.execute(select(OutboxMessage)).all()
    if engine.dialect.name == "postgresql":   # the outbox is on for PostgreSQL only
        assert [e.نوع_رویداد for e in events] == ["StudentImported"]
        assert valid_national_id(0) not in json.dumps(events[0].محتوا)
    metrics = intake_api.client.get("/metrics").text
    assert 'intake_entries_total{outcome="queued"}' in metrics
    assert "intake_entry_duration_seconds_bucket" in metrics


@pytest.mark.parametrize("headers", [{}, {"X-SmartAlloc-Intake-Key": SECRET[:-1] + "X"},
                                     {"Authorization": f"Bearer {SECRET}"}])
def test_a_bad_key_is_a_bare_401_and_nothing_is_stored(intake_api: Api, headers) -> None:
    answer = post(intake_api, entry(0), headers)
    assert answer.status_code == 401
    assert answer.json()["detail"] == "" and "errors" not in answer.json()
    assert stored(intake_api) == []


def test_fields_that_do_not_fit_are_422_by_id_and_column(intake_api: Api, capfd) -> None:
    body = entry(0, **{"555": "متن شخصی"})
    del body["92"]
    answer = post(intake_api, body)
    assert answer.status_code == 422
    errors = {e["code"]: e for e in answer.json()["errors"]}
    assert errors["INTAKE_MISSING_FIELD"]["column"] == f"92 ({C.GENDER})"
    assert errors["INTAKE_UNKNOWN_FIELD"]["column"] == "555"
    assert all(e["message_fa"] and e["message_en"] for e in errors.values())
    assert "متن شخصی" not in answer.text and valid_national_id(0) not in answer.text
    assert stored(intake_api) == []
    assert valid_national_id(0) not in capfd.readouterr().out


def test_persian_and_arabic_digits_and_zwnj_are_read_as_the_reader_reads(intake_api: Api
                                                                        ) -> None:
    nid = valid_national_id(5)
    persian = nid.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    answer = post(intake_api, entry(5, **{"5": persian, "73": "٢٧", "1.3": "فاطمه\u200cزهرا",
                                          "20": "۰۹۱۷۱۲۳۴۵۶۷"}))
    assert answer.status_code == 202, answer.text
    row = stored(intake_api)[0]
    assert row.کد_ملی == nid


def test_a_retry_gets_the_same_answer_and_another_body_is_409(intake_api: Api) -> None:
    first = post(intake_api, entry(1))
    again = post(intake_api, dict(reversed(list(entry(1).items()))))   # key order is no change
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    changed = post(intake_api, entry(1, **{"1.3": "نام دیگر"}))
    assert changed.status_code == 409
    assert changed.json()["errors"][0]["code"] == "INTAKE_CONFLICT"
    assert "نام دیگر" not in changed.text
    assert len(stored(intake_api)) == 1
    assert 'intake_entries_total{outcome="replayed"}' in intake_api.client.get("/metrics").text


def test_unusable_data_is_stored_rejected_and_a_corrected_entry_replaces_it(intake_api: Api
                                                                          ) -> None:
    bad = post(intake_api, entry(2, **{"5": "2280000011"}))
    assert bad.status_code == 422 and bad.json()["failure"] == "DATA_MISSING"
    assert bad.json()["fields"] == [{"field_id": "5", "column": C.NATIONAL_ID}]
    assert "2280000011" not in bad.text
    assert post(intake_api, entry(2, **{"5": "2280000011"})).json() == bad.json()   # a retry
    fixed = post(intake_api, entry(2))
    assert fixed.status_code == 202
    assert [r.وضعیت for r in stored(intake_api)] == ["queued"]


def test_the_export_is_a_student_report_the_batch_reads(intake_api: Api, tmp_path) -> None:
    for n in range(3):
        assert post(intake_api, entry(n)).status_code == 202
    post(intake_api, entry(9, **{"73": "99"}))                         # rejected: not exported
    system = bootstrap(intake_api.settings.database_url)
    out = tmp_path / "intake.xlsx"
    assert system.export_intake(out, at="1405-09-16 10:00:00") == 3
    batch = read_students(out, intake_policy())
    assert [s.national_id for s in batch.records] == [valid_national_id(n) for n in range(3)]
    assert [s.keys for s in batch.records] == [(27, 0, 1, 0, 0, 0)] * 3
    assert [tuple(r.ردیف) for r in stored(intake_api)[:3]] == [s.values for s in batch.records]
    assert system.export_intake(tmp_path / "again.xlsx", at="x") == 0   # marked exported
    assert system.export_intake(tmp_path / "all.xlsx", at="x", include_exported=True) == 3
    system.engine.dispose()
