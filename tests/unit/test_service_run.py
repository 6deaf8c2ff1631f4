"""The run use case on fakes (``tests.fakes``): its unit of work, retries and all-or-none
story, without Excel or a database. The inputs are read once per session; each test then
runs in milliseconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from smartalloc.domain.errors import HistoryError, OutputError
from smartalloc.domain.events import MENTOR_ASSIGNED, RUN_COMPLETED
from smartalloc.domain.policy import GovernanceEntry, MentorStatus
from smartalloc.service_layer.ports import InputPaths
from smartalloc.service_layer.run_allocation import run_allocation
from smartalloc.service_layer.run_reports import RunRequest
from tests.fakes import MemoryHistory, MemoryReader, RecordingWriter

OUT = Path("/nonexistent/out")   # nothing may touch the disk
# allocation.xlsx starts with its big sheets, before the Sabt export; the capacity plan and
# meta follow QA, at ``write``
STARTED = "start_allocation (+2 sheets)"


@pytest.fixture(scope="module")
def inputs(small_agency, agency_policy):
    from smartalloc.adapters.input_reader import ExcelInputReader
    from smartalloc.entrypoints.inputs import resolve_inputs

    return ExcelInputReader().read(resolve_inputs(small_agency.out_dir), agency_policy)


def _run(inputs, policy, history: MemoryHistory, writer: RecordingWriter | None = None,
         **request):
    writer = writer or RecordingWriter(history.journal)
    result = run_allocation(
        RunRequest(InputPaths(Path("i.xlsx"), Path("s.xlsx"), Path("st.xlsx")), policy, OUT,
                   now="1404-09-15", **request),
        reader=MemoryReader(inputs), writer=writer, history=history)
    return result, writer


def test_the_run_records_finishes_commits_then_publishes(inputs, agency_policy):
    history = MemoryHistory()
    result, writer = _run(inputs, agency_policy, history)
    assert history.journal == [STARTED, "write_sabt", "write", "record", "finish", "commit",
                               "publish"]
    allocated = result.counts["allocated"]
    assert allocated > 0 and len(history.entries) == allocated
    assert history.runs[result.run_id].qa_status == result.qa_status == "PASSED_QA"
    assert history.runs[result.run_id].out_dir == writer.staged[0].location
    assert [p.name for p in result.files] == writer.staged[0].files_named()
    codes = [e.code for e in history.entries.values()]
    assert len(set(codes)) == len(codes)
    assert sum(1 for e in history.events if e.event_type == MENTOR_ASSIGNED) == allocated
    assert [e.event_type for e in history.events].count(RUN_COMPLETED) == 1


def test_events_are_built_only_for_a_store_with_an_outbox(inputs, agency_policy, monkeypatch):
    import smartalloc.service_layer.run_allocation as module

    built = []
    real = module.run_events
    monkeypatch.setattr(module, "run_events",
                        lambda *a, **k: built.append(1) or real(*a, **k))
    _run(inputs, agency_policy, MemoryHistory(outbox=False))
    assert built == []
    _run(inputs, agency_policy, MemoryHistory(outbox=True))
    assert built == [1]


def test_a_workbook_that_fails_leaves_nothing_committed_or_visible(inputs, agency_policy):
    history = MemoryHistory()
    with pytest.raises(OutputError):
        _run(inputs, agency_policy, history, RecordingWriter(history.journal, fail_finish=True))
    assert history.journal == [STARTED, "write_sabt", "write", "record", "finish",
                               "discard"]   # never committed
    assert history.runs == {} and history.entries == {} and history.events == []


def test_a_store_that_fails_for_a_moment_is_tried_again(inputs, agency_policy):
    history = MemoryHistory(failures=2)
    result, _ = _run(inputs, agency_policy, history)
    assert history.journal == [STARTED, "write_sabt", "write", "record", "record", "record",
                               "finish", "commit", "publish"]
    assert len(history.entries) == result.counts["allocated"]


def test_a_store_that_keeps_failing_withholds_every_output(inputs, agency_policy):
    history = MemoryHistory(failures=3)
    with pytest.raises(HistoryError) as err:
        _run(inputs, agency_policy, history)
    assert err.value.problems[0].code == "HISTORY_WRITE_FAILED"
    assert "TransientStoreError" in err.value.problems[0].message_en
    assert history.journal[-1] == "discard" and "publish" not in history.journal
    assert history.entries == {}


def test_a_conflict_is_a_verdict_not_retried(inputs, agency_policy):
    history = MemoryHistory()
    _run(inputs, agency_policy, history)
    taken = next(iter(history.entries.values()))
    # the same code reached someone else after this run had read history (another system)
    history.entries = {"0000000000": taken._replace(national_id="0000000000",
                                                         run_id="elsewhere")}
    history.runs = {}
    history.load = lambda exclude_runs=(): []
    history.journal.clear()
    with pytest.raises(HistoryError) as err:
        _run(inputs, agency_policy, history)
    assert err.value.problems[0].code == "HISTORY_CONFLICT"
    assert history.journal.count("record") == 1 and "publish" not in history.journal


def test_a_rerun_replays_to_the_same_decisions_and_codes(inputs, agency_policy):
    history = MemoryHistory()
    first, _ = _run(inputs, agency_policy, history)
    before = dict(history.entries)
    second, _ = _run(inputs, agency_policy, history)
    assert second.run_id == first.run_id and second.counts == first.counts
    assert history.entries == before
    assert len(history.runs) == 1


def test_a_frozen_mentor_in_the_store_receives_nobody(inputs, agency_policy):
    history = MemoryHistory()
    _run(inputs, agency_policy, history)
    busiest = max({e.mentor_id for e in history.entries.values()},
                  key=lambda m: sum(e.mentor_id == m for e in history.entries.values()))
    frozen = MemoryHistory(stored_governance={busiest: GovernanceEntry(
        status=MentorStatus.FROZEN, reason="leave", changed_by="t", changed_at="now")})
    _run(inputs, agency_policy, frozen)
    assert frozen.entries and all(e.mentor_id != busiest for e in frozen.entries.values())


def test_the_matrix_started_before_the_students_are_read_is_the_one_published(
        inputs, agency_policy):
    """On two cores the matrix files start from the mentors' side alone (``start_matrix``),
    before the students are read; ``start`` completes that very folder."""
    from smartalloc.domain.matrix import build_matrix

    history = MemoryHistory()
    writer = RecordingWriter(history.journal, early=True)
    result, _ = _run(inputs, agency_policy, history, writer)
    rows = len(build_matrix(inputs.mentors, inputs.schools, agency_policy,
                            crosswalk=inputs.crosswalk).rows)
    assert history.journal == [f"start_matrix ({rows} rows)", "start (early)", STARTED,
                               "write_sabt", "write", "record", "finish", "commit", "publish"]
    assert len(writer.staged) == 1 and result.qa_status == "PASSED_QA"


@pytest.mark.parametrize("early", [True, False])
def test_the_matrix_is_drafted_once_per_run(inputs, agency_policy, monkeypatch, early):
    """The mentors' side is drafted once, before the student report is parsed, and the early
    matrix files start from that very draft (issue P: the matrix child drafted it again)."""
    import smartalloc.service_layer.run_allocation as module

    drafts, draft = [], module.draft_matrix_for

    def counted(*args, **kwargs):
        drafts.append(draft(*args, **kwargs))
        return drafts[-1]

    monkeypatch.setattr(module, "draft_matrix_for", counted)
    history = MemoryHistory()
    result, _ = _run(inputs, agency_policy, history, RecordingWriter(history.journal, early=early))
    assert len(drafts) == 1 and result.qa_status == "PASSED_QA"
    assert history.journal[0] == (f"start_matrix ({len(drafts[0].rows)} rows)" if early
                                  else STARTED)


def test_the_matrix_is_checked_once_per_run(inputs, agency_policy, monkeypatch):
    """Pre-QA checks the matrix before allocating; the full QA reuses that report (issue P:
    it checked the same matrix again)."""
    import smartalloc.domain.qa as qa

    checked, check = [], qa.run_pre_qa
    monkeypatch.setattr(qa, "run_pre_qa", lambda matrix: checked.append(matrix) or check(matrix))
    import smartalloc.service_layer.run_allocation as module

    monkeypatch.setattr(module, "run_pre_qa", qa.run_pre_qa)
    history = MemoryHistory()
    result, _ = _run(inputs, agency_policy, history, RecordingWriter(history.journal))
    assert len(checked) == 1 and result.qa_status == "PASSED_QA"


def test_a_run_refused_after_the_matrix_started_discards_it(inputs, agency_policy,
                                                           monkeypatch):
    import smartalloc.service_layer.run_allocation as module
    from smartalloc.domain.errors import ConfigurationError, Problem

    def refused(*args, **kwargs):
        raise ConfigurationError(Problem("CENTRE_UNKNOWN", "مرکز نامعلوم", "unknown centre"))

    monkeypatch.setattr(module, "build_matrix_for", refused)
    history = MemoryHistory()
    with pytest.raises(ConfigurationError):
        _run(inputs, agency_policy, history, RecordingWriter(history.journal, early=True))
    assert history.journal[1:] == ["discard"] and history.journal[0].startswith("start_matrix")
    assert history.runs == {}
