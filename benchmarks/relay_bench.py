"""Relay throughput: N outbox rows in a throw-away PostgreSQL database, drained to the real
RabbitMQ (publisher confirms, persistent messages, a durable queue bound to every event) by one
relay; reports events/s per batch size.

Needs PostgreSQL at 127.0.0.1:5432 and RabbitMQ at $AMQP_URL (default 127.0.0.1:5672); creates
and deletes its own database, exchange and queues.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import time
from pathlib import Path

import aio_pika
from _support import machine, replace_block

from smartalloc.adapters.db.engine import make_engine
from smartalloc.adapters.db.migrate import upgrade
from smartalloc.adapters.db.outbox import write_outbox
from smartalloc.adapters.db.scratch import scratch_database
from smartalloc.adapters.messaging.broker import amqp_url, dead_letter_names
from smartalloc.adapters.messaging.relay import Relay
from smartalloc.domain.events import MENTOR_ASSIGNED, Event

HEADING = "## Relay throughput (issue #5)"


def fill(url: str, rows: int) -> None:
    events = [Event(f"bench-{i:07d}", MENTOR_ASSIGNED, "2026-11-26T10:00:00", "bench",
                    {"student_ref": secrets.token_hex(16), "mentor_id": f"M{i % 400}",
                     "alias": "", "channel": "SCHOOL", "registration_code": f"54357{i:04d}",
                     "keys": [27, 1, 3, 1, 0, 283]})
              for i in range(rows)]
    engine = make_engine(url)
    with engine.begin() as conn:
        write_outbox(conn, events)
    engine.dispose()


async def drain(url: str, amqp: str, batch: int, rows: int) -> float:
    exchange = f"smartalloc.bench.{secrets.token_hex(4)}"
    connection = await aio_pika.connect(amqp)
    async with connection:
        channel = await connection.channel()
        ex = await channel.declare_exchange(exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(f"{exchange}.q", durable=True)
        await queue.bind(ex, "smartalloc.v1.#")
        try:
            async with Relay(url, amqp, exchange=exchange, batch=batch) as relay:
                start = time.perf_counter()
                sent = 0
                while (n := await relay.run_once()):
                    sent += n
                seconds = time.perf_counter() - start
            assert sent == rows, (sent, rows)
        finally:
            for name in (f"{exchange}.q", dead_letter_names(exchange)[1]):
                await channel.queue_delete(name)
            for name in (exchange, dead_letter_names(exchange)[0]):
                await channel.exchange_delete(name)
    return seconds


def measure(rows: int, batch: int, amqp: str) -> float:
    with scratch_database("smartalloc_relay_bench") as url:
        upgrade(url)
        fill(url, rows)
        return asyncio.run(drain(url, amqp, batch, rows))


def write_doc(path: Path, lines: list[str]) -> None:
    replace_block(path, "relay", lines, HEADING)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--amqp-url", default=None)
    parser.add_argument("--write-doc", type=Path)
    args = parser.parse_args()
    amqp = amqp_url(args.amqp_url)
    table = ["| batch | rows | seconds | events/s |", "|---|---|---|---|"]
    for batch in args.batch:
        seconds = measure(args.rows, batch, amqp)
        print(f"batch {batch}: {args.rows:,} events in {seconds:.2f} s = "
              f"{args.rows / seconds:,.0f} events/s")
        table.append(f"| {batch} | {args.rows:,} | {seconds:.2f} | {args.rows / seconds:,.0f} |")
    if args.write_doc:
        write_doc(args.write_doc, [
            f"One relay, PostgreSQL → RabbitMQ on {machine()}, {time.strftime('%Y-%m-%d')}. "
            "Publisher confirms, persistent messages to a durable queue; a row is marked sent "
            "only after its confirm, in the batch's transaction (`benchmarks/relay_bench.py`).",
            "", *table])


if __name__ == "__main__":
    main()
