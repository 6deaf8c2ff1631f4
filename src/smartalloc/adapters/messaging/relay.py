"""The outbox relay: publishes committed events to RabbitMQ, at least once, never losing one.

A row is marked sent only after the broker's publisher confirm. A broker that is down or drops
the connection costs nothing but time: the relay reconnects with backoff and the unconfirmed
rows stay unsent (they may be published twice; consumers deduplicate by event id). A row the
broker refuses (nack, or unroutable with ``mandatory``) is retried with exponential backoff and,
after ``max_attempts``, published to the dead-letter queue with its context.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

import aio_pika
from aio_pika.exceptions import DeliveryError, PublishError
from sqlalchemy import exc as sa_exc
from sqlalchemy import make_url

from smartalloc.adapters.db.engine import make_engine
from smartalloc.adapters.messaging import outbox_rows as rows_db
from smartalloc.adapters.messaging.broker import (
    BROKER_ERRORS,
    EXCHANGE,
    MessagingError,
    backoff,
    broker_error,
    connect,
    declare_topology,
    sleep_unless,
)
from smartalloc.adapters.messaging.outbox_rows import OutboxRow
from smartalloc.domain.errors import DatabaseError, Problem

log = logging.getLogger("smartalloc.relay")


@dataclass
class _Batch:
    confirmed: list[int] = field(default_factory=list)
    refused: list[tuple[OutboxRow, str]] = field(default_factory=list)
    broken: BaseException | None = None   # the connection failed: the rest stays unsent


class Relay:
    """``run_once`` publishes one batch; ``run_forever`` loops until ``stop`` is set."""

    def __init__(self, url: str, amqp_url: str, *, exchange: str = EXCHANGE, batch: int = 500,
                 max_attempts: int = 8, base_delay: float = 0.5, max_delay: float = 30,
                 poll_interval: float = 1.0, confirm_timeout: float = 30.0,
                 name: str = "smartalloc-relay"):
        self.url, self.amqp_url, self.exchange_name = url, amqp_url, exchange
        self.batch, self.max_attempts = batch, max_attempts
        self.base_delay, self.max_delay = base_delay, max_delay
        self.poll_interval, self.confirm_timeout, self.name = poll_interval, confirm_timeout, name
        self.engine = make_engine(url)
        self.lock_rows = self.engine.dialect.name == "postgresql"
        self._connection = self._channel = self._exchange = self._dlx = None
        self._schema_checked = False
        self.published = self.dead_lettered = 0

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
        database is (nothing is marked sent in either case)."""
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
                    result = await self._publish_all(rows) if rows else _Batch()
                    if not self.lock_rows:
                        tx = conn.begin()
                    await self._record(conn, result, rows_db.now())
                    tx.commit()
                except BaseException:
                    tx.rollback()
                    raise
        except sa_exc.SQLAlchemyError as exc:
            raise _database_error(self.url, exc) from exc
        self.published += len(result.confirmed)
        if result.broken is not None:
            await self._disconnect()
            log.warning("connection lost after %d confirms; the rest stays unsent: %s",
                        len(result.confirmed), result.broken)
        return len(result.confirmed)

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Drain the outbox and keep polling until ``stop``; a broker or database outage is
        waited out with exponential backoff, never fatal. Only an outdated schema is."""
        failures = 0
        try:
            while not stop.is_set():
                try:
                    sent = await self.run_once()
                except (MessagingError, DatabaseError) as exc:
                    if exc.problems[0].code == "DATABASE_OUTDATED":
                        raise
                    failures += 1
                    delay = backoff(failures, self.base_delay, self.max_delay)
                    log.warning("%s — retrying in %.1f s", exc.problems[0].message_en, delay)
                    await sleep_unless(stop, delay)
                    continue
                failures = 0
                if sent < self.batch:
                    await sleep_unless(stop, self.poll_interval)
        finally:
            await self.close()

    async def _connect(self) -> None:
        if self._channel is not None and not self._channel.is_closed:
            return
        await self._disconnect()
        self._connection = await connect(self.amqp_url, self.name)
        try:
            self._channel = await self._connection.channel(publisher_confirms=True,
                                                           on_return_raises=True)
            self._exchange, self._dlx = await declare_topology(self._channel, self.exchange_name)
        except BROKER_ERRORS as exc:
            await self._disconnect()
            raise broker_error(self.amqp_url, exc, "declare") from exc

    async def _disconnect(self) -> None:
        connection, self._connection = self._connection, None
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
            elif isinstance(outcome, BROKER_ERRORS):
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
                log.error("event %s dead-lettered after %d attempts: %s",
                          row.event.event_id, attempts, error)
                continue
            delay = backoff(attempts, self.base_delay, self.max_delay)
            rows_db.mark_failed(conn, row, error, rows_db.retry_time(at, delay))
            log.warning("event %s refused (attempt %d), retry in %.1f s: %s",
                        row.event.event_id, attempts, delay, error)

    async def _dead_letter(self, row: OutboxRow, error: str, attempts: int) -> bool:
        """Publish to the DLX with the context; True once confirmed (else retried later)."""
        if self._dlx is None:
            return False
        context = {"x-error": error, "x-attempts": attempts,
                   "x-original-exchange": self.exchange_name,
                   "x-original-routing-key": row.event.routing_key}
        try:
            await self._publish(self._dlx, row, row.event.routing_key, context)
        except (PublishError, DeliveryError, *BROKER_ERRORS) as exc:
            log.warning("dead-lettering %s failed: %s", row.event.event_id, _describe(exc))
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
