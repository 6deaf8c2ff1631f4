"""What the relay and the consumers share: the topology names, connecting with a bilingual
error instead of a traceback, the jittered exponential backoff both use when something fails,
and their structured logger."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import structlog
from aio_pika.abc import AbstractConnection
from aio_pika.exceptions import AMQPError
from aiormq.exceptions import ChannelInvalidStateError

from smartalloc.adapters.messaging.names import AMQP_ENV, DEFAULT_AMQP_URL
from smartalloc.adapters.messaging.names import EXCHANGE as EXCHANGE  # the relay's, consumers'
from smartalloc.domain.errors import Problem, SmartAllocError
from smartalloc.service_layer.tracing import add_trace_ids

# what a broken or unreachable broker raises, all transient: AMQPError covers ConnectionClosed,
# ChannelClosed and AMQPConnectionError (a refused open arrives as an InvalidFrameError);
# TimeoutError is an OSError subclass; a channel the broker closed under a publish raises
# aiormq's ChannelInvalidStateError, a RuntimeError
BROKER_ERRORS = (AMQPError, OSError, ConnectionError, asyncio.TimeoutError,
                 ChannelInvalidStateError)
# while connecting, also: a channel opened on a connection the broker just closed raises a bare
# RuntimeError ("Connection was not opened"), and aiormq cancels the calls pending on a
# connection it loses (see ``shutting_down``)
SETUP_ERRORS = (*BROKER_ERRORS, RuntimeError, asyncio.CancelledError)


class MessagingError(SmartAllocError):
    """The broker cannot be reached or refused our topology; the URL is shown without its
    password. Transient for the relay's loop (it retries), fatal for one-shot commands."""


def amqp_url(explicit: str | None = None) -> str:
    return explicit or os.environ.get(AMQP_ENV) or DEFAULT_AMQP_URL


def shown_amqp_url(url: str) -> str:
    """The URL without its password, safe for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def dead_letter_names(exchange: str) -> tuple[str, str]:
    """The dead-letter exchange and queue that belong to ``exchange``."""
    return f"{exchange}.dlx", f"{exchange}.dlq"


def shutting_down(exc: BaseException) -> bool:
    """A CancelledError meant for this task (a shutdown, which must propagate), not one aiormq
    raised for a call pending on a connection it lost (a broker failure like any other)."""
    task = asyncio.current_task()
    return isinstance(exc, asyncio.CancelledError) and task is not None and task.cancelling() > 0


def get_logger(name: str):
    """structlog over the stdlib logger ``name``: one JSON object per event, printed and
    filtered by whatever configured stdlib logging (the CLI). Explicit processors, not
    ``structlog.configure``: the process-wide structlog set-up belongs to the web service.
    Events carry counts, delays, event ids and broker errors, never personal data."""
    return structlog.wrap_logger(
        logging.getLogger(name), wrapper_class=structlog.stdlib.BoundLogger,
        processors=[structlog.stdlib.filter_by_level, add_trace_ids,
                    structlog.processors.JSONRenderer(ensure_ascii=False, sort_keys=True)])


def describe(exc: BaseException) -> str:
    """One line naming a broker failure. A connection the broker refuses while opening it (a
    vhost connection limit, a node shutting down) surfaces as an unreadable frame error."""
    if isinstance(exc, SmartAllocError):
        return exc.problems[0].message_en
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if "got <Connection.Close" in text:
        return "the broker closed the connection while opening it (refused: connection limit, " \
               "vhost access or shutdown)"
    return text or type(exc).__name__


def broker_error(url: str, exc: BaseException, what: str = "connect") -> MessagingError:
    reason = describe(exc)
    where = shown_amqp_url(url)
    return MessagingError(Problem(
        "BROKER_UNAVAILABLE",
        f"کارگزار پیام «{where}» در دسترس نیست ({what}: {reason})؛ روشن بودن RabbitMQ و "
        "نشانی را بررسی کنید. هیچ رویدادی از دست نمی‌رود و ارسال بعداً تکرار می‌شود",
        f"the message broker '{where}' is unavailable ({what}: {reason}); check that RabbitMQ "
        "is running and the URL. No event is lost: sending is retried later"))


async def connect(url: str, name: str, timeout: float = 5.0) -> AbstractConnection:
    """A plain (non-robust) connection: on loss the caller reconnects and republishes what
    was not confirmed, which is the only recovery that keeps the outbox's guarantee."""
    try:
        return await aio_pika.connect(url, timeout=timeout,
                                      client_properties={"connection_name": name})
    except SETUP_ERRORS as exc:
        if shutting_down(exc):
            raise
        raise broker_error(url, exc) from exc


async def declare_topology(channel, exchange: str):
    """The durable topic exchange, its dead-letter exchange and the dead-letter queue bound
    to every key; returns (exchange, dead-letter exchange)."""
    dlx_name, dlq_name = dead_letter_names(exchange)
    main = await channel.declare_exchange(exchange, aio_pika.ExchangeType.TOPIC, durable=True)
    dlx = await channel.declare_exchange(dlx_name, aio_pika.ExchangeType.TOPIC, durable=True)
    dlq = await channel.declare_queue(dlq_name, durable=True)
    await dlq.bind(dlx, "#")
    return main, dlx


async def sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    """Sleep, waking at once when ``stop`` is set (graceful shutdown never waits a backoff)."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
