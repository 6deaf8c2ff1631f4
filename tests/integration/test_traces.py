"""Issue N, part 2: a real run is one span with a span per stage under it, its transaction
and commit are spans under the write stage, and a relay batch (real RabbitMQ) is a span —
none of them naming a student."""

from __future__ import annotations

import asyncio

from opentelemetry.trace import StatusCode

from smartalloc.adapters.db.engine import sqlite_url
from smartalloc.adapters.db.migrate import upgrade
from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.messaging.relay import Relay
from smartalloc.bootstrap import bootstrap
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.ports import RunRecord
from smartalloc.service_layer.run_reports import RunRequest
from smartalloc.service_layer.tracing import CORRELATION_ID
from tests.integration.test_relay import (  # noqa: F401  (exchange: a fixture)
    AMQP,
    bind_queue,
    exchange,
    write_events,
)
from tests.traces import named, one, parent_of, recorded

STAGES = ("run.read", "run.matrix", "run.allocate", "run.reports", "run.write")


def test_a_run_is_a_span_per_stage(small_agency, agency_policy, tmp_path):
    spans = recorded()
    system = bootstrap(sqlite_url(tmp_path / "h.sqlite"), key=b"k" * 32)
    result = system.run(RunRequest(resolve_inputs(small_agency.out_dir), agency_policy,
                                   tmp_path / "out", now="1404-09-15"))
    done = spans.get_finished_spans()
    run = one(done, "run")
    assert parent_of(run) is None
    assert run.attributes["run_id"] == result.run_id
    assert run.attributes["count.allocated"] == result.counts["allocated"] > 0
    for name in STAGES:          # one span per stage, children of the run, in order
        assert parent_of(one(done, name)) == run.context.span_id, name
    starts = [one(done, name).start_time for name in STAGES]
    assert starts == sorted(starts)
    write = one(done, "run.write")
    transaction, commit = one(done, "db.transaction"), one(done, "db.commit")
    assert parent_of(transaction) == write.context.span_id
    assert parent_of(commit) == transaction.context.span_id
    assert parent_of(one(done, "run.history")) == transaction.context.span_id
    assert parent_of(one(done, "run.files")) == transaction.context.span_id
    assert parent_of(one(done, "run.publish")) == write.context.span_id
    assert transaction.attributes["db.outcome"] == "commit"
    assert transaction.attributes["rows.allocations"] == result.counts["allocated"]
    assert transaction.attributes["db.system"] == "sqlite"
    # sub-steps are events of their stage's span, with their counts
    rows = [e for e in one(done, "run.read").events if e.name == "rows"]
    assert [dict(e.attributes) for e in rows] == [{"done": 200, "item": "students"}]
    assert {s.attributes[CORRELATION_ID] for s in done} == {format(run.context.trace_id, "032x")}
    _names_no_student(done, small_agency.out_dir)


def _names_no_student(done, agency_dir) -> None:
    """No national id appears in any span's name, attribute or event."""
    from smartalloc.adapters.input_reader import ExcelInputReader
    from smartalloc.adapters.policy_file import load_policy

    inputs = ExcelInputReader().read(resolve_inputs(agency_dir), load_policy(None))
    ids = {s.national_id for s in inputs.students.records if s.national_id}
    assert len(ids) > 100
    text = " ".join(f"{s.name} {dict(s.attributes)} {[(e.name, dict(e.attributes)) for e in s.events]}"
                    for s in done)
    assert not [i for i in ids if i in text]


def test_a_transaction_left_without_commit_is_a_rollback_span(tmp_path):
    spans = recorded()
    store = SqlStore(sqlite_url(tmp_path / "h.sqlite"))
    run = RunRecord("run-t", "2026-01-01T00:00:00", "stamp", {}, {}, "PASSED_QA", "out")
    store.record(run, [])
    try:
        with store.unit_of_work() as uow:
            uow.record(run, [])
            raise RuntimeError("the workbooks failed")
    except RuntimeError:
        pass
    committed, rolled = named(spans.get_finished_spans(), "db.transaction")
    assert committed.attributes["db.outcome"] == "commit"
    assert rolled.attributes["db.outcome"] == "rollback"
    assert rolled.status.status_code is StatusCode.ERROR
    assert committed.attributes["rows.allocations"] == 0 and committed.attributes["run_id"] == "run-t"
    assert len(named(spans.get_finished_spans(), "db.commit")) == 1


def test_a_relay_batch_is_a_span(sqlite_url, exchange):  # noqa: F811
    upgrade(sqlite_url)
    write_events(sqlite_url, 12)
    asyncio.run(bind_queue(exchange))
    spans = recorded()

    async def relay_twice() -> list[int]:
        async with Relay(sqlite_url, AMQP, exchange=exchange, batch=8) as relay:
            return [await relay.run_once() for _ in range(3)]

    assert asyncio.run(relay_twice()) == [8, 4, 0]
    batches = named(spans.get_finished_spans(), "relay.batch")
    assert [b.attributes["messaging.batch.message_count"] for b in batches] == [8, 4]
    assert [b.attributes["relay.confirmed"] for b in batches] == [8, 4]   # the empty poll: none
    assert {b.attributes["messaging.destination.name"] for b in batches} == {exchange}
    assert all(b.attributes[CORRELATION_ID] == format(b.context.trace_id, "032x")
               for b in batches)
