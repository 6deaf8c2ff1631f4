"""The outbox relay against the real RabbitMQ (127.0.0.1:5672) and real PostgreSQL: a committed
run's events arrive exactly as expected, a rolled-back run emits nothing, a refused message ends
in the dead-letter queue, and two concurrent relays publish every row once. Each test uses its
own exchange (and so its own DLX/DLQ) and queues, deleted afterwards."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections import Counter
from collections.abc import Iterator

import aio_pika
import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from smartalloc.adapters.db import bootstrap
from smartalloc.adapters.db.engine import make_engine
from smartalloc.adapters.db.migrate import upgrade
from smartalloc.adapters.db.outbox import write_outbox
from smartalloc.adapters.db.schema import OutboxMessage, Student
from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.messaging.broker import MessagingError, dead_letter_names
from smartalloc.adapters.messaging.relay import Relay
from smartalloc.adapters.output_writer import ExcelOutputWriter
from smartalloc.domain.errors import HistoryError
from smartalloc.domain.events import Event
from smartalloc.entrypoints.cli_relay import relay_app
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.run_allocation import RunRequest, run_allocation
from tests.integration.test_pipeline_postgres import FailingPgStore

AMQP = "amqp://guest:guest@127.0.0.1:5672/"


# ---- helpers shared with test_consumer.py --------------------------------------------------

@pytest.fixture
def exchange() -> Iterator[str]:
    """A unique exchange; afterwards it, its DLX/DLQ and every queue named after it go."""
    name = f"smartalloc.test.{secrets.token_hex(4)}"
    yield name
    asyncio.run(_delete_topology(name))


async def _delete_topology(name: str) -> None:
    connection = await aio_pika.connect(AMQP)
    async with connection:
        channel = await connection.channel()
        for queue in (dead_letter_names(name)[1], f"{name}.q", f"{name}.q2"):
            await channel.queue_delete(queue)
        for ex in (name, dead_letter_names(name)[0]):
            await channel.exchange_delete(ex)


async def bind_queue(exchange: str, key: str = "smartalloc.v1.#", suffix: str = "q", *,
                     url: str = AMQP, queue: str | None = None) -> str:
    """A durable test queue (``<exchange>.<suffix>`` unless named) bound to ``exchange``
    (declared like the relay does)."""
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        ex = await channel.declare_exchange(exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(queue or f"{exchange}.{suffix}", durable=True)
        await queue.bind(ex, key)
        return queue.name


async def drain(queue: str, expected: int, timeout: float = 20,
                url: str = AMQP) -> list[aio_pika.IncomingMessage]:
    """Get (and ack) messages until ``expected`` arrived and the queue is empty, or timeout."""
    got: list = []
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        q = await channel.declare_queue(queue, passive=True)
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            message = await q.get(fail=False, no_ack=True)
            if message is None:
                if len(got) >= expected:
                    break
                await asyncio.sleep(0.05)
                continue
            got.append(message)
    return got


async def relay_all(relay: Relay) -> int:
    total = 0
    while (sent := await relay.run_once()):
        total += sent
    return total


def outbox_state(url: str) -> tuple[int, int]:
    """(rows, unsent rows)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
            unsent = conn.execute(select(func.count()).where(
                OutboxMessage.c.sent_at.is_(None))).scalar_one()
            return rows, unsent
    finally:
        engine.dispose()


def write_events(url: str, n: int, run: str = "run-test") -> list[str]:
    events = [Event(f"{run}-{i:05d}", "MentorAssigned", "2026-11-26T10:00:00", run,
                    {"student_ref": secrets.token_hex(16), "mentor_id": f"M{i % 7}"})
              for i in range(n)]
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            write_outbox(conn, events)
    finally:
        engine.dispose()
    return [e.event_id for e in events]


def schema_for_store(url: str) -> None:
    """The store checks the schema against ``bootstrap.HEAD``; the relay needs the newest."""
    upgrade(url, getattr(bootstrap, "HEAD", "head"))


def _run(agency, policy, out, store):
    return run_allocation(RunRequest(resolve_inputs(agency.out_dir), policy, out, now="1404-08-27"),
                          reader=ExcelInputReader(), writer=ExcelOutputWriter(), history=store)


# ---- tests -----------------------------------------------------------------------------------

def test_committed_run_emits_exactly_its_events(small_agency, policy, pg_url, tmp_path, exchange):
    schema_for_store(pg_url)
    result = _run(small_agency, policy, tmp_path / "out", SqlStore(pg_url))
    upgrade(pg_url)
    engine = make_engine(pg_url)
    with engine.connect() as conn:
        national_ids = set(conn.execute(select(Student.c.national_id)).scalars())
    engine.dispose()
    students, allocated = result.counts["students"], result.counts["allocated"]
    total = 2 * students + allocated + 1   # imported, assigned+counter or failed; RunCompleted

    async def scenario():
        queue = await bind_queue(exchange)
        async with Relay(pg_url, AMQP, exchange=exchange, batch=150) as relay:
            assert await relay_all(relay) == total
        return await drain(queue, total)

    messages = asyncio.run(scenario())
    bodies = [json.loads(m.body) for m in messages]
    assert len(bodies) == total and outbox_state(pg_url) == (total, 0)
    assert len({b["event_id"] for b in bodies}) == total
    assert all(m.message_id == b["event_id"]
               and m.routing_key == f"smartalloc.v1.{b['event_type']}"
               and m.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
               and m.content_type == "application/json"
               for m, b in zip(messages, bodies, strict=True))
    assert Counter(b["event_type"] for b in bodies) == {
        "StudentImported": students, "MentorAssigned": allocated, "CounterGenerated": allocated,
        "AllocationFailed": students - allocated, "RunCompleted": 1}
    leaks = {nid for m in messages for nid in national_ids if nid in m.body.decode()}
    assert national_ids and not leaks


def test_no_raw_national_id_in_any_message(small_agency, policy, pg_url, tmp_path, exchange):
    schema_for_store(pg_url)
    _run(small_agency, policy, tmp_path / "out", SqlStore(pg_url))
    upgrade(pg_url)
    engine = make_engine(pg_url)
    with engine.connect() as conn:
        national_ids = set(conn.execute(select(Student.c.national_id)).scalars())
        bodies = [json.dumps(p, ensure_ascii=False)
                  for p in conn.execute(select(OutboxMessage.c.payload)).scalars()]
    engine.dispose()
    assert not [nid for body in bodies for nid in national_ids if nid in body]


def test_rolled_back_run_emits_nothing(small_agency, policy, pg_url, tmp_path, exchange):
    schema_for_store(pg_url)
    with pytest.raises(HistoryError):
        _run(small_agency, policy, tmp_path / "out", FailingPgStore(pg_url))
    upgrade(pg_url)
    assert outbox_state(pg_url) == (0, 0)

    async def scenario():
        queue = await bind_queue(exchange)
        async with Relay(pg_url, AMQP, exchange=exchange) as relay:
            assert await relay.run_once() == 0
        return await drain(queue, 0, timeout=0.5)

    assert asyncio.run(scenario()) == []


def test_refused_message_is_retried_then_dead_lettered(pg_url, exchange):
    """Nobody is bound to the exchange: the broker returns the (mandatory) message."""
    upgrade(pg_url)
    [event_id] = write_events(pg_url, 1)

    async def scenario():
        async with Relay(pg_url, AMQP, exchange=exchange, max_attempts=3, base_delay=0.05,
                         max_delay=0.1) as relay:
            for _ in range(3):
                assert await relay.run_once() == 0
                await asyncio.sleep(0.15)   # past the backoff
            assert relay.dead_lettered == 1 and await relay.run_once() == 0
        return await drain(dead_letter_names(exchange)[1], 1, timeout=5)

    [dead] = asyncio.run(scenario())
    assert dead.message_id == event_id and dead.headers["x-attempts"] == 3
    assert dead.headers["x-original-routing-key"] == "smartalloc.v1.MentorAssigned"
    assert "unroutable" in dead.headers["x-error"]
    engine = make_engine(pg_url)
    with engine.connect() as conn:
        row = conn.execute(select(OutboxMessage.c.attempts, OutboxMessage.c.sent_at,
                                  OutboxMessage.c.dead_lettered_at, OutboxMessage.c.last_error)).one()
    engine.dispose()
    assert row[0] == 3 and row[1] is None and row[2] and "unroutable" in row[3]


def test_two_relays_publish_each_row_once(pg_url, exchange):
    upgrade(pg_url)
    ids = write_events(pg_url, 3000)

    async def scenario():
        queue = await bind_queue(exchange)
        one = Relay(pg_url, AMQP, exchange=exchange, batch=100, name="relay-1")
        two = Relay(pg_url, AMQP, exchange=exchange, batch=100, name="relay-2")
        try:
            sent = await asyncio.gather(relay_all(one), relay_all(two))
        finally:
            await one.close()
            await two.close()
        return sent, await drain(queue, len(ids))

    sent, messages = asyncio.run(scenario())
    assert sum(sent) == len(ids) and min(sent) > 0, sent   # both worked, no row twice
    assert sorted(m.message_id for m in messages) == ids
    assert outbox_state(pg_url) == (len(ids), 0)


def test_sqlite_single_relay(sqlite_url, exchange):
    upgrade(sqlite_url)
    ids = write_events(sqlite_url, 20)

    async def scenario():
        queue = await bind_queue(exchange)
        async with Relay(sqlite_url, AMQP, exchange=exchange, batch=7) as relay:
            assert await relay_all(relay) == 20
        return await drain(queue, 20)

    assert [m.message_id for m in asyncio.run(scenario())] == ids
    assert outbox_state(sqlite_url) == (20, 0)


def test_cli_once_and_unreachable_broker(pg_url, exchange):
    upgrade(pg_url)
    write_events(pg_url, 5)
    asyncio.run(bind_queue(exchange))
    runner = CliRunner()
    result = runner.invoke(relay_app, ["--database-url", pg_url, "--amqp-url", AMQP,
                                       "--exchange", exchange, "--once"])
    assert result.exit_code == 0, result.output
    assert "published / منتشر شد: 5" in result.output

    engine = make_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(update(OutboxMessage).values({OutboxMessage.c.sent_at: None}))
    engine.dispose()
    result = runner.invoke(relay_app, ["--database-url", pg_url, "--once", "--amqp-url",
                                       "amqp://guest:s3cret@127.0.0.1:1/"])
    assert isinstance(result.exception, MessagingError)   # cli.main renders it, exit code 2
    text = str(result.exception)
    assert "s3cret" not in text and "RabbitMQ" in text and "کارگزار" in text
    assert outbox_state(pg_url) == (5, 5)
