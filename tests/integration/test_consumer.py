"""Subscribers against the real RabbitMQ: after a broker outage every event is delivered and the
idempotent consumer handles each exactly once (duplicates included); a poison message ends in
the dead-letter queue; the example audit consumer writes one line per event. Outages happen on
a private vhost (refused or dropped connections): the shared broker is never stopped."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from smartalloc.adapters.db.engine import make_engine
from smartalloc.adapters.db.migrate import upgrade
from smartalloc.adapters.db.schema import OutboxMessage
from smartalloc.adapters.messaging.broker import MessagingError, dead_letter_names
from smartalloc.adapters.messaging.consumer import IdempotentConsumer
from smartalloc.adapters.messaging.relay import Relay
from smartalloc.entrypoints.cli_relay import relay_app
from tests.integration.test_broker_drops import vhost  # noqa: F401 - fixture
from tests.integration.test_relay import (
    AMQP,
    drain,
    exchange,  # noqa: F401 - fixture
    outbox_state,
    relay_all,
    write_events,
)


def republish(url: str, count: int) -> None:
    """A lost confirm: the first ``count`` rows look unsent again, so the relay sends them twice."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(update(OutboxMessage).where(OutboxMessage.c.id <= count)
                     .values({OutboxMessage.c.sent_at: None}))
    engine.dispose()


def test_outage_then_every_event_once(pg_url, vhost, tmp_path):  # noqa: F811
    """The broker refuses connections (as while it is down): nothing is sent, the relay keeps
    retrying; once it accepts again, everything arrives and republished events are deduped."""
    upgrade(pg_url)
    ids = write_events(pg_url, 40)
    handled: list[str] = []
    consumer = IdempotentConsumer(vhost.url, "audit", ["smartalloc.v1.#"],
                                  lambda message: handled.append(message["event_id"]),
                                  tmp_path / "processed.sqlite")

    async def outage() -> None:
        await consumer.declare()
        relay = Relay(pg_url, vhost.url, base_delay=0.1, max_delay=0.5)
        vhost.refuse()
        try:
            try:
                await relay.run_once()
                raise AssertionError("published with the broker down")
            except MessagingError as error:
                assert error.problems[0].code == "BROKER_UNAVAILABLE"
            stop = asyncio.Event()
            task = asyncio.create_task(relay.run_forever(stop))
            await asyncio.sleep(1.5)
            assert not task.done()          # keeps retrying, does not crash
            stop.set()
            await asyncio.wait_for(task, 5)
            assert outbox_state(pg_url) == (40, 40)
            with pytest.raises(MessagingError):   # a consumer waits it out up to idle_timeout
                await asyncio.wait_for(consumer.run(idle_timeout=0.5), 10)
        finally:
            vhost.accept()

    async def recovery() -> None:
        async with Relay(pg_url, vhost.url) as relay:
            assert await relay_all(relay) == 40
            republish(pg_url, 5)
            assert await relay_all(relay) == 5
        stats = await asyncio.wait_for(consumer.run(max_messages=45), 30)
        assert (stats.processed, stats.duplicates, stats.rejected) == (40, 5, 0)

    asyncio.run(outage())
    asyncio.run(recovery())
    assert outbox_state(pg_url) == (40, 0)
    assert Counter(handled) == dict.fromkeys(ids, 1) and consumer.store.count() == 40


def test_cut_connection_is_reconnected(pg_url, vhost):  # noqa: F811
    upgrade(pg_url)

    async def scenario() -> list:
        queue = IdempotentConsumer(vhost.url, "audit", ["smartalloc.v1.#"], print, ":memory:")
        await queue.declare()
        async with Relay(pg_url, vhost.url) as relay:
            assert await relay.run_once() == 0       # connected
            await asyncio.to_thread(vhost.drop)
            write_events(pg_url, 10)
            sent = 0
            for _ in range(20):
                try:
                    sent += await relay.run_once()
                except MessagingError:
                    await asyncio.sleep(0.2)
                if sent == 10:
                    break
            assert sent == 10 and relay.reconnects == 1
        return await drain("audit", 10, url=vhost.url)

    assert len(asyncio.run(scenario())) == 10
    assert outbox_state(pg_url) == (10, 0)


def test_poison_message_ends_in_the_dlq(pg_url, exchange, tmp_path):  # noqa: F811
    upgrade(pg_url)
    [event_id] = write_events(pg_url, 1)
    calls: list[str] = []

    def poison(message: dict) -> None:
        calls.append(message["event_id"])
        raise ValueError("cannot handle this")

    consumer = IdempotentConsumer(AMQP, f"{exchange}.q", ["smartalloc.v1.#"], poison,
                                  tmp_path / "processed.sqlite", exchange=exchange,
                                  max_deliveries=3)

    async def scenario() -> list:
        await consumer.declare()
        async with Relay(pg_url, AMQP, exchange=exchange) as relay:
            assert await relay.run_once() == 1
        stats = await asyncio.wait_for(consumer.run(max_messages=1), 20)
        assert (stats.processed, stats.retried, stats.rejected) == (0, 2, 1)
        return await drain(dead_letter_names(exchange)[1], 1, timeout=10)

    [dead] = asyncio.run(scenario())
    assert dead.message_id == event_id and dead.headers["x-death"]
    assert calls == [event_id] * 3 and consumer.store.count() == 0


def test_audit_consumer_cli_writes_one_line_per_event(pg_url, exchange, tmp_path):  # noqa: F811
    upgrade(pg_url)
    ids = write_events(pg_url, 12)
    runner = CliRunner()
    audit, processed = tmp_path / "audit.jsonl", str(tmp_path / "processed.sqlite")
    args = ["consume-audit", "--queue", f"{exchange}.q", "--audit-file", str(audit),
            "--processed-db", processed, "--amqp-url", AMQP, "--exchange", exchange]
    asyncio.run(IdempotentConsumer(AMQP, f"{exchange}.q", ["smartalloc.v1.#"], print, processed,
                                   exchange=exchange).declare())
    result = runner.invoke(relay_app, ["--database-url", pg_url, "--amqp-url", AMQP,
                                       "--exchange", exchange, "--once"])
    assert result.exit_code == 0, result.output
    republish(pg_url, 2)
    result = runner.invoke(relay_app, ["--database-url", pg_url, "--amqp-url", AMQP,
                                       "--exchange", exchange, "--once"])
    assert "منتشر شد: 2" in result.output
    result = runner.invoke(relay_app, [*args, "--max-messages", "14"])
    assert result.exit_code == 0, result.output
    assert "processed / پردازش شد: 12, duplicates / تکراری: 2" in result.output
    lines = [json.loads(line) for line in audit.read_text("utf-8").splitlines()]
    assert [line["event_id"] for line in lines] == ids
    assert all(line["received_at"] and line["payload"]["student_ref"] for line in lines)
