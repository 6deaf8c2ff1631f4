"""Idempotent consumers for subscribers: the relay delivers at least once, so a subscriber
remembers the event ids it has processed and calls its handler once per id.

The processed id is inserted in a transaction that stays open while the handler runs and
commits before the ack: a redelivered or republished event finds its id and is only acked; a
handler that fails rolls the id back and the message is redelivered, and after
``max_deliveries`` it is rejected to the queue's dead-letter exchange. (A handler with side
effects outside this store — a file, an SMS — may repeat them if the process dies between the
handler and the commit: at-least-once, with the window as small as one commit.)

A dropped, closed or refused broker connection is not fatal: the consumer reconnects with
jittered backoff (``consumer_reconnects_total``). Messages it had not acked come back and, if
already processed, are only acked: the handler still runs once per id.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aio_pika.abc import AbstractIncomingMessage
from prometheus_client import Counter
from sqlalchemy import Column, MetaData, String, Table, func, insert, select
from sqlalchemy import exc as sa_exc

from smartalloc.adapters.db.engine import make_engine, sqlite_url
from smartalloc.adapters.messaging.broker import (
    BROKER_ERRORS,
    EXCHANGE,
    SETUP_ERRORS,
    MessagingError,
    broker_error,
    connect,
    dead_letter_names,
    declare_topology,
    describe,
    get_logger,
    shutting_down,
    sleep_unless,
)
from smartalloc.domain.errors import DatabaseError, Problem
from smartalloc.service_layer.retry import backoff

log = get_logger("smartalloc.consumer")
RECONNECTS = Counter("consumer_reconnects_total",
                     "Broker connections an idempotent consumer re-established after losing one")
Handler = Callable[[dict], object | Awaitable[object]]

_metadata = MetaData()
processed_events = Table("processed_events", _metadata,
                         Column("event_id", String(64), primary_key=True),
                         Column("processed_at", String(32), nullable=False))


class ProcessedStore:
    """Processed event ids in any SQLAlchemy database; a bare path means a SQLite file.
    Use PostgreSQL when several consumer processes share one store."""

    def __init__(self, where: str | Path):
        url = str(where) if "://" in str(where) else sqlite_url(Path(where))
        self.engine = make_engine(url)
        try:
            _metadata.create_all(self.engine)
        except sa_exc.SQLAlchemyError as exc:
            raise DatabaseError(Problem(
                "DB_UNREACHABLE", f"انبارهٔ رویدادهای پردازش‌شده باز نشد: {exc}",
                f"the processed-events store cannot be opened: {exc}")) from exc

    def claim(self, conn, event_id: str) -> bool:
        """Insert the id; False when it is already there (committed by an earlier delivery,
        or by a concurrent consumer, whose commit this insert waits for)."""
        stmt = insert(processed_events).values(event_id=event_id,
                                               processed_at=datetime.now(UTC).isoformat())
        try:
            with conn.begin_nested():
                conn.execute(stmt)
        except sa_exc.IntegrityError:
            return False
        return True

    def count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(processed_events)).scalar_one()

    def close(self) -> None:
        self.engine.dispose()


@dataclass
class ConsumerStats:
    processed: int = 0      # handler ran and its id committed
    duplicates: int = 0     # already processed: acked without calling the handler
    rejected: int = 0       # failed max_deliveries times (or unreadable): to the DLX
    retried: int = 0        # handler failed, message requeued

    @property
    def settled(self) -> int:
        return self.processed + self.duplicates + self.rejected


class IdempotentConsumer:
    """Consume ``queue`` (declared durable, quorum, dead-lettering to ``<exchange>.dlx``,
    bound to ``binding_keys``) and call ``handler(message_dict)`` once per event id."""

    def __init__(self, amqp_url: str, queue: str, binding_keys: Sequence[str], handler: Handler,
                 processed_store: str | Path | ProcessedStore, *, exchange: str = EXCHANGE,
                 max_deliveries: int = 3, prefetch: int = 50, name: str = "smartalloc-consumer",
                 base_delay: float = 0.5, max_delay: float = 30.0, jitter: float = 0.2,
                 rng: random.Random | None = None):
        self.amqp_url, self.queue_name, self.exchange = amqp_url, queue, exchange
        self.binding_keys, self.handler = list(binding_keys), handler
        self.store = (processed_store if isinstance(processed_store, ProcessedStore)
                      else ProcessedStore(processed_store))
        self.max_deliveries, self.prefetch, self.name = max_deliveries, prefetch, name
        self.delays = (base_delay, max_delay, jitter, rng)
        self.stats, self.reconnects = ConsumerStats(), 0
        self._failures: dict[str, int] = {}
        self._lock = asyncio.Lock()   # one message at a time: the store transaction is sync
        self._changed = asyncio.Event()
        self._active_at = time.monotonic()   # the last message, or the start
        self._lost_at: float | None = None   # an open connection was lost, not yet re-opened

    async def declare(self) -> None:
        """Declare and bind the queue without consuming: do it before the relay publishes, so
        no event of this subscriber is unroutable."""
        connection = await connect(self.amqp_url, self.name)
        try:
            async with connection:
                await self._queue(await connection.channel())
        except BROKER_ERRORS as exc:
            raise broker_error(self.amqp_url, exc, "declare") from exc

    async def _queue(self, channel):
        exchange, _ = await declare_topology(channel, self.exchange)
        queue = await channel.declare_queue(self.queue_name, durable=True, arguments={
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": dead_letter_names(self.exchange)[0]})
        for key in self.binding_keys:
            await queue.bind(exchange, key)
        return queue

    async def run(self, stop: asyncio.Event | None = None, *, max_messages: int | None = None,
                  idle_timeout: float | None = None) -> ConsumerStats:
        """Consume until ``stop`` is set, ``max_messages`` are settled, or nothing arrived
        for ``idle_timeout`` seconds. Unacked messages return to the queue on exit. A broker
        that drops or refuses us is waited out; only when ``idle_timeout`` runs out while it
        is unavailable does this raise ``MessagingError``."""
        stop = stop or asyncio.Event()
        self._active_at, attempts = time.monotonic(), 0
        while not stop.is_set():
            try:
                opened, lost = await self._session(stop, max_messages, idle_timeout)
            except MessagingError as exc:   # connect refused or unreachable
                opened, lost = False, exc
            if lost is None or stop.is_set() or self._enough(max_messages):
                break
            if opened:
                attempts, self._lost_at = 0, time.monotonic()
                log.warning("consumer.connection_lost", queue=self.queue_name,
                            error=f"{type(lost).__name__}: {describe(lost)}")
            if idle_timeout is not None and time.monotonic() - self._active_at > idle_timeout:
                raise lost if isinstance(lost, MessagingError) else \
                    broker_error(self.amqp_url, lost, "consume")
            attempts += 1
            delay = backoff(attempts, *self.delays)
            if not opened:
                log.warning("consumer.broker_unavailable", queue=self.queue_name,
                            attempt=attempts, retry_in_s=round(delay, 3), error=describe(lost))
            await sleep_unless(stop, delay)
        return self.stats

    def _enough(self, max_messages: int | None) -> bool:
        return max_messages is not None and self.stats.settled >= max_messages

    async def _session(self, stop: asyncio.Event, max_messages: int | None,
                       idle_timeout: float | None) -> tuple[bool, BaseException | None]:
        """One connection: (consuming started, None when finished or why it was lost)."""
        connection = await connect(self.amqp_url, self.name)
        closed = asyncio.get_running_loop().create_future()

        def on_close(_channel, exc: BaseException | None) -> None:
            if not closed.done():
                closed.set_result(exc or ConnectionError("channel closed"))

        opened = False
        try:
            channel = await connection.channel()
            channel.close_callbacks.add(on_close)
            await channel.set_qos(prefetch_count=self.prefetch)
            queue = await self._queue(channel)
            tag = await queue.consume(self._on_message)
            opened = True
            self._opened()
            if await self._wait(stop, closed, max_messages, idle_timeout):
                return opened, closed.result()
            await queue.cancel(tag)
            return opened, None
        except SETUP_ERRORS as exc:
            if shutting_down(exc):
                raise
            return opened, exc
        finally:
            with contextlib.suppress(*BROKER_ERRORS):
                await connection.close()

    def _opened(self) -> None:
        if self._lost_at is not None:
            self.reconnects += 1
            RECONNECTS.inc()
            log.info("consumer.reconnected", queue=self.queue_name, reconnects=self.reconnects,
                     down_s=round(time.monotonic() - self._lost_at, 3))
            self._lost_at = None

    async def _wait(self, stop: asyncio.Event, closed: asyncio.Future, max_messages: int | None,
                    idle_timeout: float | None) -> bool:
        """True when the broker closed the channel; False when done (stop, max, idle)."""
        while not stop.is_set():
            if self._enough(max_messages):
                return False
            if closed.done():
                return True
            self._changed.clear()
            waiters = [asyncio.ensure_future(stop.wait()),
                       asyncio.ensure_future(self._changed.wait())]
            done, _ = await asyncio.wait([*waiters, closed], timeout=idle_timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
            if not done:   # idle
                return False
        return False

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        async with self._lock:
            try:
                await self._handle(message)
            except BROKER_ERRORS as exc:   # the ack never reached the broker: it redelivers,
                log.warning("consumer.settle_lost", event_id=message.message_id,  # we dedupe
                            error=f"{type(exc).__name__}: {describe(exc)}")
            finally:
                self._active_at = time.monotonic()
                self._changed.set()

    async def _handle(self, message: AbstractIncomingMessage) -> None:
        try:
            event = json.loads(message.body)
            event_id = str(message.message_id or event["event_id"])
        except (ValueError, KeyError, TypeError) as exc:
            log.error("consumer.unreadable", queue=self.queue_name, error=str(exc)[:200])
            await message.reject(requeue=False)
            self.stats.rejected += 1
            return
        with self.store.engine.connect() as conn:
            tx = conn.begin()
            if not self.store.claim(conn, event_id):
                tx.rollback()
                await message.ack()
                self.stats.duplicates += 1
                return
            try:
                result = self.handler(event)
                if inspect.isawaitable(result):
                    await result
            except Exception as exc:
                tx.rollback()
                await self._failed(message, event_id, exc)
                return
            tx.commit()
        self._failures.pop(event_id, None)
        self.stats.processed += 1   # even if the ack is lost: the redelivery is a duplicate
        await message.ack()

    async def _failed(self, message: AbstractIncomingMessage, event_id: str,
                      exc: Exception) -> None:
        """Requeue until ``max_deliveries`` deliveries failed, then reject to the DLX. Quorum
        queues count deliveries in ``x-delivery-count``; otherwise we count in memory."""
        counted = (message.headers or {}).get("x-delivery-count")
        failures = int(counted) + 1 if counted is not None else \
            self._failures.get(event_id, 0) + 1
        self._failures[event_id] = failures
        if failures >= self.max_deliveries:
            log.error("consumer.rejected", event_id=event_id, deliveries=failures,
                      error=type(exc).__name__)
            await message.reject(requeue=False)
            self._failures.pop(event_id, None)
            self.stats.rejected += 1
        else:
            log.warning("consumer.requeued", event_id=event_id, delivery=failures,
                        error=type(exc).__name__)
            await message.nack(requeue=True)
            self.stats.retried += 1
