"""Issue J, explain: a restricted mentor's why-not names the restriction (not "no matrix row"),
a reused registration code says where it came from, a national id on several rows shows every
row, and an unallocated student gets the suggested action of the allocation workbook's
«unallocated» sheet — through the API's explain answer (the kept ``explain.sqlite``), in
Persian and English. Data: the seeded synthetic agency."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import xlsxwriter

from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.readers import read_roster
from smartalloc.domain import allocation_report as report
from smartalloc.domain import glossary
from smartalloc.domain.batch import allocate_batch
from smartalloc.domain.contracts import ROSTER_SHEETS, RosterCol
from smartalloc.domain.decision import Outcome
from smartalloc.domain.policy import Channel
from smartalloc.service_layer.ports import INPUT_ROLES, InputPaths
from smartalloc.service_layer.run_context import build_matrix_for
from tests.api.test_explain_stored import _explain
from tests.api.test_flow import sheet, upload_all


def _run(api, agency) -> str:
    started = api.client.post("/api/v1/allocation/run", json=upload_all(api, agency),
                              headers=api.auth("operator"))
    body = api.wait(started.json()["job_id"])
    assert body["state"] == "succeeded", body
    return body["job_id"]


def _decided(agency, policy):
    """Students and decisions of a run on the agency with no governance (pure domain)."""
    paths = InputPaths(**{r: getattr(agency, r) for r in INPUT_ROLES})
    inputs = ExcelInputReader().read(paths, policy)
    matrix = build_matrix_for(inputs, policy, {})
    students = inputs.students.records
    return students, allocate_batch(students, matrix, policy, roster=inputs.roster).decisions


def test_a_restricted_mentors_why_not_names_the_restriction(api, small_agency) -> None:
    # Mentors are governed once a run has recorded them; a student left without a seat by
    # that run is decided again by the next, where one of its candidates is restricted.
    policy = api.client.app.state.policy
    _, decisions = _decided(small_agency, policy)
    first = _run(api, small_agency)
    d = next(d for d in decisions if d.failure == "CAPACITY_FULL")
    mentor = _explain(api, first, d.national_id)["candidates"][0]["mentor_id"]
    channel = next(c for c in (Channel.SADRA, Channel.GOLESTAN) if c != d.channel)
    restricted = api.client.post(f"/api/v1/mentors/{mentor}/restrict",
                                 json={"reason": "فقط یک کانال", "channels": [channel]},
                                 headers=api.auth("admin"))
    assert restricted.status_code == 200, restricted.text
    job_id = _run(api, small_agency)
    body = _explain(api, job_id, d.national_id, [mentor])
    assert mentor not in [c["mentor_id"] for c in body["candidates"]]
    (why,) = body["why_not"]
    assert why["reason_code"] == "RESTRICTED", why
    assert "ماتریس" not in why["reason_fa"]                       # not "no matrix row"
    words = {c: (glossary.CHANNELS[str(c)].fa, glossary.CHANNELS[str(c)].en)
             for c in (channel, d.channel)}
    assert "محدودشده" in why["reason_fa"] and words[channel][0] in why["reason_fa"]
    assert words[d.channel][0] in why["reason_fa"] and "فقط یک کانال" in why["reason_fa"]
    assert str(channel) not in why["reason_fa"] and "restricted" not in why["reason_fa"]
    assert why["reason_en"].startswith("the mentor is restricted")
    assert f"only channels {words[channel][1]}" in why["reason_en"]
    assert words[d.channel][1] in why["reason_en"]
    # an unknown id still says it is not in the report
    unknown = _explain(api, job_id, d.national_id, ["no-such-id"])["why_not"][0]
    assert unknown["reason_code"] == "NOT_IN_REPORT" and unknown["reason_en"]


def _roster_with(agency, path: Path, code: str, nid: str) -> tuple[Path, int]:
    """The agency's roster plus one row giving ``nid`` the code ``code``; its Excel row."""
    entries = [(e.code, e.national_id) for e in read_roster(agency.roster)]
    out = xlsxwriter.Workbook(str(path))
    ws = out.add_worksheet(ROSTER_SHEETS[0])
    ws.write_row(0, 0, [RosterCol.CODE, RosterCol.NATIONAL_ID])
    for i, (c, n) in enumerate([*entries, (code, nid)], start=1):
        ws.write_string(i, 0, c)
        ws.write_string(i, 1, n)
    out.close()
    return path, len(entries) + 2


def test_a_reused_code_says_where_it_came_from(api, small_agency, tmp_path: Path) -> None:
    policy = api.client.app.state.policy
    students, decisions = _decided(small_agency, policy)
    d = next(d for d in decisions if d.outcome is Outcome.ALLOCATED and not d.code_reused)
    gender = students[d.index].gender
    mid = next(g.counter_mid for g in policy.genders.values() if g.code == gender)
    code = f"{policy.academic_year - policy.counters.year_offset:02d}{mid}9001"
    roster, row = _roster_with(small_agency, tmp_path / "roster-reuse.xlsx", code,
                               d.national_id)
    job_id = _run(api, dataclasses.replace(small_agency, roster=roster))
    body = _explain(api, job_id, d.national_id)
    assert body["decision"]["code"] == code and body["decision"]["code_reused"] is True
    (origin,) = body["code_origin"]
    assert (origin["source"], origin["row"]) == ("roster", row)
    assert "roster" in origin["text_fa"] and f"ردیف {row}" in origin["text_fa"]
    assert origin["text_en"] == f"the registration code was kept from the roster, row {row}"
    assert d.national_id not in origin["text_fa"] + origin["text_en"]
    fresh = next(x for x in decisions if x.outcome is Outcome.ALLOCATED
                 and x.national_id != d.national_id)
    assert _explain(api, job_id, fresh.national_id)["code_origin"] == []


def test_a_repeated_national_id_shows_every_row_and_unallocated_get_the_action(
        api, small_agency) -> None:
    policy = api.client.app.state.policy
    students, decisions = _decided(small_agency, policy)
    repeated = [n for n, k in Counter(s.national_id for s in students).items() if k > 1 and n]
    assert repeated, "the synthetic agency repeats national ids"
    job_id = _run(api, small_agency)
    nid = repeated[0]
    rows = [s.row for s in students if s.national_id == nid]
    body = _explain(api, job_id, nid)
    assert [r["row"] for r in body["rows"]] == rows and len(rows) > 1
    assert [r["kept"] for r in body["rows"]] == [True] + [False] * (len(rows) - 1)
    for r in body["rows"][1:]:
        assert r["failure"] == "DUPLICATE"
        assert f"تکرار ردیف {rows[0]}" in r["note_fa"]
        assert r["note_en"].startswith(f"repeats row {rows[0]}")
        assert nid not in r["note_fa"] + r["note_en"]
    single = next(d.national_id for d in decisions if d.national_id not in repeated)
    assert _explain(api, job_id, single)["rows"] == []

    # Unallocated: the very text of the workbook's «unallocated» sheet, and its English.
    export = api.client.get("/api/v1/reports/export",
                            params={"job_id": job_id, "kind": "allocation"},
                            headers=api.auth("operator"))
    path = api.settings.data_dir / "allocation-check.xlsx"
    path.write_bytes(export.content)
    # The sheet's and columns' names as the workbook contract defines them.
    table = sheet(path, getattr(report, "UNALLOCATED_SHEET", "unallocated"))
    head = table[0]
    action_column = next(c for c in report.UNALLOCATED_COLUMNS
                         if c in ("اقدام پیشنهادی", "suggested_action"))
    by_class = {}
    for line in table[1:]:
        by_class.setdefault(line[head.index(getattr(report, "FAILURE_CODE", "failure_class"))],
                            line)
    assert {"ELIGIBILITY_NO_MATCH", "CAPACITY_FULL"} <= set(by_class)
    by_class.pop("DUPLICATE", None)    # a repeated id is explained by its kept row (above)
    for line in by_class.values():
        nid = str(line[head.index(getattr(report, "NATIONAL_ID", "national_id"))])
        action = _explain(api, job_id, nid)["suggested_action"]
        assert action["fa"] == line[head.index(action_column)] and action["fa"]
        assert action["en"] and action["en"] != action["fa"]
    allocated = next(d.national_id for d in decisions if d.outcome is Outcome.ALLOCATED)
    assert _explain(api, job_id, allocated)["suggested_action"] is None


def test_a_mentor_id_typed_in_persian_digits_is_the_same_mentor(api, small_agency) -> None:
    """Issue J, Why 1: "why not mentor ۱۷۶" answered "not in the report" (Latin 176 worked)."""
    job_id = _run(api, small_agency)
    policy = api.client.app.state.policy
    _, decisions = _decided(small_agency, policy)
    d = next(d for d in decisions if d.outcome is Outcome.ALLOCATED)
    persian = d.mentor_id.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    arabic = d.mentor_id.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert persian != d.mentor_id
    for typed in (persian, arabic, f" {d.mentor_id} "):
        (why,) = _explain(api, job_id, d.national_id, [typed])["why_not"]
        assert why["reason_code"] == "CHOSEN", (typed, why)
