"""The outbox relay: publishes committed events to RabbitMQ, at least once, never losing one.

A row is marked sent only after the broker's publisher confirm. Every broker-side failure — the
connection or the channel closed mid-publish, a broker restart, refused connections — costs
nothing but time: the relay reconnects with capped, jittered exponential backoff (counted in
``relay_reconnects_total``) and the unconfirmed rows stay unsent (they may be published twice;
consumers deduplicate by event id). A row the broker refuses (nack, or unroutable with
``mandatory``) is retried with backoff and, after ``max_attempts``, published to the
dead-letter queue with its context.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from dataclasses import dataclass, field

import aio_pika
from aio_pika.exceptions import DeliveryError, PublishError
from prometheus_client import Counter, Gauge
from sqlalchemy import exc as sa_exc
from sqlalchemy import make_url

from smartalloc.adapters.db.engine import make_engine
from smartalloc.adapters.messaging import outbox_rows as rows_db
from smartalloc.adapters.messaging.broker import (
    BROKER_ERRORS,
    EXCHANGE,
    SETUP_ERRORS,
    MessagingError,
    broker_error,
    connect,
    declare_topology,
    describe,
    get_logger,
    shown_amqp_url,
    shutting_down,
    sleep_unless,
)
from smartalloc.adapters.messaging.outbox_rows import OutboxRow
from smartalloc.domain.errors import DatabaseError, Problem
from smartalloc.service_layer.retry import backoff
from smartalloc.service_layer.tracing import batch_span

log = get_logger("smartalloc.relay")
RECONNECTS = Counter("relay_reconnects_total",
                     "Broker connections the outbox relay re-established after losing one")
# For ops/prometheus/alerts.yml: a relay that polls but cannot finish a batch (broker or
# database down, a hung publish) stops the timestamp, whether or not anything waits.
PUBLISHED = Counter("relay_published_total", "Outbox events the broker confirmed")
DEAD_LETTERED = Counter("relay_dead_lettered_total",
                        "Outbox events sent to the dead-letter queue after max attempts")
LAST_BATCH = Gauge("relay_last_batch_timestamp_seconds",
                   "Unix time the relay last finished a batch (an empty one included)")


@dataclass
class _Batch:
    confirmed: list[int] = field(default_factory=list)
    refused: list[tuple[OutboxRow, str]] = field(default_factory=list)
    broken: BaseException | None = None   # the connection failed: the rest stays unsent


class Relay:
    """``run_once`` publishes one batch; ``run_forever`` loops until ``stop`` is set.
    ``jitter`` and ``rng`` shape the backoff (``jitter=0`` makes it deterministic)."""

    def __init__(self, url: str, amqp_url: str, *, exchange: str = EXCHANGE, batch: int = 500,
                 max_attempts: int = 8, base_delay: float = 0.5, max_delay: float = 30,
                 jitter: float = 0.2, poll_interval: float = 1.0, confirm_timeout: float = 30.0,
                 name: str = "smartalloc-relay", rng: random.Random | None = None):
        self.url, self.amqp_url, self.exchange_name = url, amqp_url, exchange
        self.batch, self.max_attempts = batch, max_attempts
        self.base_delay, self.max_delay, self.jitter, self.rng = base_delay, max_delay, jitter, rng
        self.poll_interval, self.confirm_timeout, self.name = poll_interval, confirm_timeout, name
        self.engine = make_engine(url)
        self.lock_rows = self.engine.dialect.name == "postgresql"
        self._connection = self._channel = self._exchange = self._dlx = None
        self._schema_checked = False
        self._lost_at: float | None = None   # monotonic time the last connection was lost
        self._closed_by: BaseException | None = None
        self.published = self.dead_lettered = self.reconnects = 0
        self.broken = False   # the last run_once lost its connection mid-batch

    async def __aenter__(self) -> Relay:
        return self

    async def __aexit__(self, *_exc) -> None:
        await self.close()

    async def close(self) -> None:
        await self._disconnect()
        self.engine.dispose()

    async def run_once(self) -> int:
        """Publish one batch of due rows; returns how many the broker confirmed. Raises
        ``MessagingError`` when the broker is unreachable and ``DatabaseError`` when the
        database is (nothing is marked sent in either case). A batch of rows is a span
        (``relay.batch``, from the connect on); an empty poll, once a second, is none."""
        self.broken = False
        started = time.time_ns()
        await self._connect()
        at = rows_db.now()
        try:
            if not self._schema_checked:
                with self.engine.connect() as conn:
                    rows_db.check_schema(conn)
                self._schema_checked = True
            with self.engine.connect() as conn:
                tx = conn.begin()
                try:
                    rows = rows_db.claim(conn, at, self.batch, lock=self.lock_rows)
                    if not self.lock_rows:   # SQLite: do not hold the writer lock while sending
                        tx.commit()
                    with batch_span(started, self.exchange_name, len(rows)) as batch:
                        result = await self._publish_all(rows) if rows else _Batch()
                        if not self.lock_rows:
                            tx = conn.begin()
                        await self._record(conn, result, rows_db.now())
                        tx.commit()
                        batch.set_attributes({"relay.confirmed": len(result.confirmed),
                                              "relay.refused": len(result.refused),
                                              "relay.broken": result.broken is not None})
                except BaseException:
                    tx.rollback()
                    raise
        except sa_exc.SQLAlchemyError as exc:
            raise _database_error(self.url, exc) from exc
        self.published += len(result.confirmed)
        PUBLISHED.inc(len(result.confirmed))
        if result.broken is not None:
            self.broken = True
            self._lost(result.broken, confirmed=len(result.confirmed),
                       unconfirmed=len(rows) - len(result.confirmed) - len(result.refused))
            await self._disconnect()
        else:
            LAST_BATCH.set_to_current_time()
        return len(result.confirmed)

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Drain the outbox and keep polling until ``stop``; a broker or database outage (or a
        batch cut short by a lost connection) is waited out with backoff, never fatal. Only an
        outdated schema is."""
        failures = 0
        try:
            while not stop.is_set():
                try:
                    sent = await self.run_once()
                except (MessagingError, DatabaseError) as exc:
                    if exc.problems[0].code == "DATABASE_OUTDATED":
                        raise
                    failures += 1
                    delay = self._backoff(failures)
                    kind = "broker" if isinstance(exc, MessagingError) else "database"
                    log.warning(f"relay.{kind}_unavailable", attempt=failures,
                                retry_in_s=round(delay, 3), error=exc.problems[0].message_en)
                    await sleep_unless(stop, delay)
                    continue
                if self.broken:   # reconnect after a pause, not after the idle poll interval
                    failures += 1
                    await sleep_unless(stop, self._backoff(failures))
                    continue
                failures = 0
                if sent < self.batch:
                    await sleep_unless(stop, self.poll_interval)
        finally:
            await self.close()

    def _backoff(self, failures: int) -> float:
        return backoff(failures, self.base_delay, self.max_delay, self.jitter, self.rng)

    async def _connect(self) -> None:
        if self._channel is not None and not self._channel.is_closed:
            return
        if self._connection is not None:   # closed while idle, between batches
            self._lost(self._closed_by, confirmed=0, unconfirmed=0)
        await self._disconnect()
        self._connection = await connect(self.amqp_url, self.name)
        try:
            self._channel = await self._connection.channel(publisher_confirms=True,
                                                           on_return_raises=True)
            self._channel.close_callbacks.add(self._on_close)
            self._exchange, self._dlx = await declare_topology(self._channel, self.exchange_name)
        except SETUP_ERRORS as exc:
            if shutting_down(exc):
                raise
            await self._disconnect()
            raise broker_error(self.amqp_url, exc, "declare") from exc
        if self._lost_at is not None:
            self.reconnects += 1
            RECONNECTS.inc()
            log.info("relay.reconnected", broker=shown_amqp_url(self.amqp_url),
                     reconnects=self.reconnects,
                     down_s=round(time.monotonic() - self._lost_at, 3))
            self._lost_at = None

    def _lost(self, error: BaseException | None, *, confirmed: int, unconfirmed: int) -> None:
        """Log a lost connection (no personal data: counts and the broker's reason)."""
        if self._lost_at is None:
            self._lost_at = time.monotonic()
        log.warning("relay.connection_lost", broker=shown_amqp_url(self.amqp_url),
                    confirmed=confirmed, unconfirmed=unconfirmed,
                    error=f"{type(error).__name__}: {describe(error)}" if error else "closed")

    def _on_close(self, _channel, exc: BaseException | None) -> None:
        self._closed_by = exc   # why the broker closed it, for the log

    async def _disconnect(self) -> None:
        connection, self._connection, self._closed_by = self._connection, None, None
        self._channel = self._exchange = self._dlx = None
        if connection is not None and not connection.is_closed:
            with contextlib.suppress(BROKER_ERRORS):
                await connection.close()

    async def _publish_all(self, rows: list[OutboxRow]) -> _Batch:
        """Publish the whole batch at once and wait for every confirm (pipelined)."""
        outcomes = await asyncio.gather(*(self._publish(self._exchange, row, row.event.routing_key)
                                          for row in rows), return_exceptions=True)
        result = _Batch()
        for row, outcome in zip(rows, outcomes, strict=True):
            if not isinstance(outcome, BaseException):
                result.confirmed.append(row.id)
            elif isinstance(outcome, PublishError | DeliveryError):
                result.refused.append((row, _describe(outcome)))
            elif isinstance(outcome, (*BROKER_ERRORS, asyncio.CancelledError)):
                # a publish of ours cancelled by aiormq as the connection went (had this task
                # been cancelled, gather would have raised): the connection is broken
                result.broken = outcome
            else:
                raise outcome
        return result

    async def _publish(self, exchange, row: OutboxRow, routing_key: str,
                       headers: dict | None = None) -> None:
        event = row.event
        message = aio_pika.Message(
            row.body(), message_id=event.event_id, content_type="application/json",
            content_encoding="utf-8", delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            type=event.event_type, app_id="smartalloc",
            headers={"event_type": event.event_type, "schema_version": event.schema_version,
                     **(headers or {})})
        await exchange.publish(message, routing_key, mandatory=True,
                               timeout=self.confirm_timeout)

    async def _record(self, conn, result: _Batch, at) -> None:
        """Confirmed → sent; refused → retry later, or the dead-letter queue once exhausted."""
        rows_db.mark_sent(conn, result.confirmed, at)
        for row, error in result.refused:
            attempts = row.attempts + 1
            if attempts >= self.max_attempts and await self._dead_letter(row, error, attempts):
                rows_db.mark_dead(conn, row, error, at)
                self.dead_lettered += 1
                DEAD_LETTERED.inc()   # the DLQ confirmed it: dead-lettered even on a rollback
                log.error("relay.dead_lettered", event_id=row.event.event_id, attempts=attempts,
                          error=error)
                continue
            delay = self._backoff(attempts)
            rows_db.mark_failed(conn, row, error, rows_db.retry_time(at, delay))
            log.warning("relay.refused", event_id=row.event.event_id, attempt=attempts,
                        retry_in_s=round(delay, 3), error=error)

    async def _dead_letter(self, row: OutboxRow, error: str, attempts: int) -> bool:
        """Publish to the DLX with the context; True once confirmed (else retried later)."""
        if self._dlx is None:
            return False
        context = {"x-error": error, "x-attempts": attempts,
                   "x-original-exchange": self.exchange_name,
                   "x-original-routing-key": row.event.routing_key}
        try:
            await self._publish(self._dlx, row, row.event.routing_key, context)
        except (PublishError, DeliveryError, *SETUP_ERRORS) as exc:
            if shutting_down(exc):
                raise
            log.warning("relay.dead_letter_failed", event_id=row.event.event_id,
                        error=_describe(exc))
            return False
        return True


def _describe(exc: BaseException) -> str:
    if isinstance(exc, PublishError):
        return f"unroutable (returned by the broker, no queue bound): {exc}"
    if isinstance(exc, DeliveryError):
        return f"refused by the broker (nack): {exc}"
    return f"{type(exc).__name__}: {exc}"


def _database_error(url: str, exc: BaseException) -> DatabaseError:
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    try:   # migrate.shown_url would import Alembic (~0.8 s) for one line
        where = make_url(url).render_as_string(hide_password=True)
    except sa_exc.ArgumentError:
        where = url
    return DatabaseError(Problem(
        "DB_UNREACHABLE",
        f"صندوق خروجی در پایگاه داده «{where}» خوانده یا به‌روز نشد ({reason})؛ چیزی علامت "
        "ارسال نخورد و دوباره تلاش می‌شود",
        f"the outbox in '{where}' could not be read or updated ({reason}); nothing was marked "
        "sent, it is retried"))
