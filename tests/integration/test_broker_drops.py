"""Broker-side failures against the real RabbitMQ, on a private vhost so no other client is
disturbed: every connection of the vhost is dropped while the relay publishes (twice or more,
until two drops landed with rows in flight), then connections are refused for a while. The
relay — a real `smartalloc relay` process — never exits, publishes every outbox row (at least
once: rows in flight at a drop may arrive twice) and counts its reconnects; a channel the broker
closes under a publish is reopened; the example audit consumer reconnects too and writes each
event exactly once."""

from __future__ import annotations

import asyncio
import json
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import aio_pika
import pytest
from prometheus_client import REGISTRY

from smartalloc.adapters.db.migrate import upgrade
from smartalloc.adapters.messaging.audit_consumer import BINDING, AuditFile
from smartalloc.adapters.messaging.broker import EXCHANGE
from smartalloc.adapters.messaging.consumer import ConsumerStats, IdempotentConsumer
from smartalloc.adapters.messaging.relay import Relay
from tests.integration.test_relay import bind_queue, outbox_state, relay_all, write_events

SMARTALLOC = str(Path(sys.executable).with_name("smartalloc"))
QUEUE = "smartalloc.test.drops"


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@dataclass(frozen=True)
class Vhost:
    """A private vhost: dropping or refusing its connections touches no other client."""
    name: str

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:5672/{quote(self.name, safe='')}"

    def drop(self) -> None:
        """What a broker restart or a network cut looks like to a client: the connection
        closes under it (CONNECTION_FORCED)."""
        rabbitmqctl("close_all_connections", "-p", self.name, "smartalloc test: broker drop")

    def refuse(self) -> None:
        """New connections are refused, as while a broker is down (open ones stay until
        ``drop``)."""
        rabbitmqctl("set_vhost_limits", "-p", self.name, '{"max-connections": 0}')

    def accept(self) -> None:
        rabbitmqctl("set_vhost_limits", "-p", self.name, '{"max-connections": -1}')


@pytest.fixture
def vhost() -> Iterator[Vhost]:
    """A fresh vhost for guest, deleted afterwards with everything in it. Never the shared
    broker's `/`, and the broker itself is never stopped."""
    host = Vhost(f"smartalloc-test-{secrets.token_hex(4)}")
    rabbitmqctl("add_vhost", host.name)
    try:
        rabbitmqctl("set_permissions", "-p", host.name, "guest", ".*", ".*", ".*")
        yield host
    finally:
        rabbitmqctl("delete_vhost", host.name)


def wait_until(check: Callable[[], bool], what: str, timeout: float = 30) -> float:
    """Poll until ``check()``; returns the seconds it took."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, f"timed out waiting for {what}"
        time.sleep(0.05)
    return time.monotonic() - started


async def eventually(task: asyncio.Task, check: Callable[[], bool], what: str,
                     timeout: float = 30) -> None:
    """Poll ``check()`` while ``task`` (the relay or consumer) must stay alive."""
    deadline = time.monotonic() + timeout
    while not check():
        assert not task.done(), f"it stopped while waiting for {what}: {task}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


def unsent(url: str) -> int:
    return outbox_state(url)[1]


async def collect(url: str, queue: str, expected: int, quiet: float = 0.2) -> list[str]:
    """The message ids in ``queue`` (consumed and acked in bulk): at least ``expected``, until
    nothing more arrives for ``quiet`` seconds."""
    ids: list[str] = []
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=1000)
        q = await channel.declare_queue(queue, passive=True)
        async with q.iterator(no_ack=True) as messages:
            while True:
                try:
                    message = await asyncio.wait_for(anext(messages), quiet)
                except TimeoutError:
                    if len(ids) >= expected:
                        return ids
                    continue
                ids.append(str(message.message_id))


def relay_log(path: Path) -> list[dict]:
    """The relay's structured log events (one JSON object per line after the prefix)."""
    return [json.loads(line[line.index("{"):]) for line in path.read_text("utf-8").splitlines()
            if "{" in line and '"event": "relay.' in line]


def _exited(process: subprocess.Popen, log: Path) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"the relay exited ({process.returncode}): "
                             f"{log.read_text('utf-8')[-2000:]}")
    return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def metric(port: int, name: str) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    [value] = [line.split()[-1] for line in text.splitlines() if line.startswith(name + " ")]
    return float(value)


def reconnects_so_far(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


# ---- the relay ------------------------------------------------------------------------------

@pytest.mark.parametrize("db", ["postgresql", "sqlite"])
def test_relay_publishes_everything_after_two_drops_and_a_refusal(db, request, vhost, tmp_path):
    """The acceptance test of issue H: a running `smartalloc relay` process, two (or more)
    drops that cut batches in flight, then refused connections; the outbox is topped up before
    each blow so the relay is always busy publishing when it lands."""
    url = request.getfixturevalue("pg_url" if db == "postgresql" else "sqlite_url")
    upgrade(url)
    ids = write_events(url, 3000, run="start")
    asyncio.run(bind_queue(EXCHANGE, url=vhost.url, queue=QUEUE))
    port, log = free_port(), tmp_path / "relay.log"
    with log.open("w", encoding="utf-8") as err:
        relay = subprocess.Popen(
            [SMARTALLOC, "relay", "--database-url", url, "--amqp-url", vhost.url, "--batch", "500",
             "--base-delay", "0.05", "--max-delay", "0.5", "--metrics-port", str(port), "-v"],
            stdout=subprocess.PIPE, stderr=err, text=True)

    def until(check: Callable[[int], bool], what: str) -> float:
        return wait_until(lambda: not _exited(relay, log) and check(unsent(url)), what)

    def logged(event: str) -> int:
        return sum(e["event"] == event for e in relay_log(log))

    def top_up(rows: int, run: str) -> None:
        if (missing := rows - unsent(url)) > 0:
            ids.extend(write_events(url, missing, run=run))

    try:
        until(lambda left: left < 3000, "the relay to start publishing")
        drops = 0
        while sum(e["event"] == "relay.connection_lost" and e["unconfirmed"] > 0
                  for e in relay_log(log)) < 2:   # two drops with rows in flight
            assert drops < 8, "no drop landed while rows were in flight"
            top_up(4000, f"drop{drops}")
            vhost.drop()
            drops += 1
            until(lambda _, drops=drops: logged("relay.reconnected") == drops, "a reconnect")
        vhost.refuse()
        top_up(5000, "refusal")
        vhost.drop()
        time.sleep(0.2)   # the broken batch's confirms are recorded
        frozen = unsent(url)
        time.sleep(1.0)
        assert unsent(url) == frozen > 0 and relay.poll() is None   # waits, never exits
        vhost.accept()
        finished = until(lambda left: left == 0, "every row to be published")
        reconnects = metric(port, "relay_reconnects_total")
    finally:
        relay.send_signal(signal.SIGTERM)
        out, _ = relay.communicate(timeout=20)
    assert relay.returncode == 0, log.read_text("utf-8")[-3000:]
    total = len(ids)
    assert reconnects == drops + 1 == logged("relay.reconnected")
    assert logged("relay.broker_unavailable") > 0   # refused, retried
    assert "guest:guest" not in log.read_text("utf-8")
    assert int(out.rsplit(":", 1)[1]) == total   # one confirm per row: each marked sent once
    received = asyncio.run(collect(vhost.url, QUEUE, total))
    assert set(received) == set(ids)            # nothing lost …
    assert len(received) - total <= (drops + 1) * 500   # … repeats only of rows in flight
    print(f"\n{db}: {total} rows, {drops} drops + refusal, {reconnects:.0f} reconnects, "
          f"{len(received) - total} repeats, all published {finished:.1f} s after the refusal "
          "was lifted")


def test_channel_closed_under_publish_is_reopened(pg_url, vhost):
    """The exchange vanishes (an operator deletes it): the broker closes the relay's channel
    under a publish (404); the relay reconnects, re-declares its topology and goes on."""
    upgrade(pg_url)
    ids = write_events(pg_url, 3000)
    before = reconnects_so_far("relay_reconnects_total")

    async def scenario() -> Relay:
        await bind_queue(EXCHANGE, url=vhost.url, queue=QUEUE)
        relay = Relay(pg_url, vhost.url, batch=200, base_delay=0.05, max_delay=0.2,
                      max_attempts=100, poll_interval=0.05)
        stop = asyncio.Event()
        task = asyncio.create_task(relay.run_forever(stop))
        await eventually(task, lambda: relay.published > 0, "the first confirms")
        connection = await aio_pika.connect(vhost.url)
        async with connection:
            await (await connection.channel()).exchange_delete(EXCHANGE)
        await eventually(task, lambda: relay.reconnects > 0, "the relay to reconnect")
        await bind_queue(EXCHANGE, url=vhost.url, queue=QUEUE)   # the operator puts it back
        await eventually(task, lambda: unsent(pg_url) == 0, "every row to be published")
        stop.set()
        await asyncio.wait_for(task, 10)
        return relay

    relay = asyncio.run(scenario())
    assert relay.reconnects >= 1
    assert reconnects_so_far("relay_reconnects_total") - before == relay.reconnects
    received = asyncio.run(collect(vhost.url, QUEUE, len(ids)))
    assert set(received) == set(ids) and relay.dead_lettered == 0


# ---- the example consumer -------------------------------------------------------------------

def test_audit_consumer_reconnects_and_writes_each_event_once(pg_url, vhost, tmp_path):
    """The example subscriber's handler, paced (10 ms a message) so the drops and the refusal
    land while it consumes, with messages unacked in flight."""
    upgrade(pg_url)
    total = 400
    ids = write_events(pg_url, total)
    audit, processed = tmp_path / "audit.jsonl", tmp_path / "processed.sqlite"
    before = reconnects_so_far("consumer_reconnects_total")
    write = AuditFile(audit)

    async def paced(message: dict) -> None:
        await asyncio.sleep(0.01)
        write(message)

    def lines() -> list[str]:
        if not audit.exists():
            return []
        return [json.loads(line)["event_id"] for line in audit.read_text("utf-8").splitlines()]

    async def scenario() -> tuple[ConsumerStats, int]:
        await IdempotentConsumer(vhost.url, QUEUE, [BINDING], print, ":memory:").declare()
        async with Relay(pg_url, vhost.url) as relay:
            assert await relay_all(relay) == total
        stop = asyncio.Event()
        consumer = IdempotentConsumer(vhost.url, QUEUE, [BINDING], paced, processed,
                                      base_delay=0.05, max_delay=0.5)
        task = asyncio.create_task(consumer.run(stop))
        await eventually(task, lambda: len(lines()) > 20, "consuming")
        for _ in range(2):
            await asyncio.to_thread(vhost.drop)
            done = len(lines())
            assert done < total, "consumed everything before the drops"
            await eventually(task, lambda done=done: len(lines()) > done, "consuming again")
        await asyncio.to_thread(vhost.refuse)
        await asyncio.to_thread(vhost.drop)
        await asyncio.sleep(0.3)   # the message in the handler finishes
        frozen = len(lines())
        await asyncio.sleep(1.0)
        assert len(lines()) == frozen < total and not task.done()
        await asyncio.to_thread(vhost.accept)
        await eventually(task, lambda: len(lines()) == total, "every event")
        await asyncio.sleep(0.3)   # nothing more (no repeated line) arrives
        stop.set()
        return await asyncio.wait_for(task, 10), consumer.reconnects

    stats, reconnects = asyncio.run(scenario())
    assert Counter(lines()) == dict.fromkeys(ids, 1)   # redeliveries deduplicated
    assert stats.processed == total and stats.rejected == 0
    assert reconnects == 3 == reconnects_so_far("consumer_reconnects_total") - before
    print(f"\nconsumer: {total} events, 2 drops + refusal, {reconnects} reconnects, "
          f"{stats.duplicates} redeliveries deduplicated")
