"""`smartalloc relay`: publish the outbox to RabbitMQ; `smartalloc relay consume-audit`: the
example subscriber. SIGINT/SIGTERM stop both gracefully (the current batch is finished or left
unsent, never half-marked); errors are bilingual ``SmartAllocError``s, never tracebacks. Both
outlive broker drops and refusals (reconnecting with backoff); ``--metrics-port`` serves their
Prometheus metrics, e.g. ``relay_reconnects_total``, since neither runs inside the web service."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from smartalloc.bootstrap import DEFAULT_AMQP_URL, EXCHANGE, database_url
from smartalloc.entrypoints import render, telemetry

relay_app = typer.Typer(
    help="Publish domain events from the outbox to RabbitMQ (at least once, nothing lost).")
T = TypeVar("T")

AmqpOpt = Annotated[str, typer.Option("--amqp-url", envvar="AMQP_URL",
                                      help="RabbitMQ URL (default $AMQP_URL)")]
ExchangeOpt = Annotated[str, typer.Option(help="Topic exchange of the events")]
MetricsPortOpt = Annotated[int | None, typer.Option(
    min=1, max=65535, help="Serve Prometheus metrics on this port (off by default)")]
MetricsAddressOpt = Annotated[str, typer.Option(help="Address the metrics port listens on")]
BaseDelayOpt = Annotated[float, typer.Option(
    min=0.001, help="Backoff after the first failure, in seconds; doubles per failure")]
MaxDelayOpt = Annotated[float, typer.Option(min=0.001, help="Backoff cap, in seconds")]


def _run(work: Callable[[asyncio.Event], Awaitable[T]]) -> T:
    """Run ``work(stop)`` with SIGINT/SIGTERM setting ``stop`` instead of killing it."""
    async def main() -> T:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            return await work(stop)
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
    return asyncio.run(main())


def _logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")


def _metrics(port: int | None, address: str) -> None:
    if port is not None:
        from prometheus_client import start_http_server

        start_http_server(port, addr=address)


@relay_app.callback(invoke_without_command=True)
def relay(
    ctx: typer.Context,
    database_url_: Annotated[str | None, typer.Option(
        "--database-url", envvar="DATABASE_URL",
        help="SQLAlchemy URL of the outbox; default: the SQLite file in the user data dir")] = None,
    amqp_url: AmqpOpt = DEFAULT_AMQP_URL,
    once: Annotated[bool, typer.Option("--once", help="Publish one batch and exit")] = False,
    exchange: ExchangeOpt = EXCHANGE,
    batch: Annotated[int, typer.Option(min=1)] = 500,
    max_attempts: Annotated[int, typer.Option(min=1)] = 8,
    base_delay: BaseDelayOpt = 0.5,
    max_delay: MaxDelayOpt = 30.0,
    poll_interval: Annotated[float, typer.Option(
        min=0.01, help="Seconds between polls of an empty outbox")] = 1.0,
    metrics_port: MetricsPortOpt = None,
    metrics_address: MetricsAddressOpt = "127.0.0.1",
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Run the relay until stopped (or one batch with --once). On PostgreSQL several relays
    may run at once; on SQLite run one. A lost or refused broker never stops it."""
    if ctx.invoked_subcommand is not None:
        return
    from smartalloc.bootstrap import Relay  # aio-pika: only when the relay runs (issue P)

    _logging(verbose)
    url = database_url(database_url_)
    _metrics(metrics_port, metrics_address)
    telemetry.configure_from_settings("relay")   # a span per batch when traces are on

    async def work(stop: asyncio.Event) -> int:
        relay = Relay(url, amqp_url, exchange=exchange, batch=batch, max_attempts=max_attempts,
                      base_delay=base_delay, max_delay=max_delay, poll_interval=poll_interval)
        if once:
            async with relay:
                return await relay.run_once()
        render.err_console.print("relay running — Ctrl+C to stop / رله در حال اجراست")
        await relay.run_forever(stop)
        return relay.published

    sent = _run(work)
    render.console.print(f"published / منتشر شد: {sent}")


@relay_app.command("consume-audit")
def consume_audit(
    queue: Annotated[str, typer.Option(help="Durable queue of this subscriber")] = "smartalloc.audit",
    audit_file: Annotated[Path, typer.Option(dir_okay=False)] = Path("audit.jsonl"),
    processed_db: Annotated[str, typer.Option(
        help="Processed event ids: a SQLite file path or a SQLAlchemy URL")] = "audit-processed.sqlite",
    amqp_url: AmqpOpt = DEFAULT_AMQP_URL,
    exchange: ExchangeOpt = EXCHANGE,
    max_messages: Annotated[int | None, typer.Option(help="Stop after this many (tests)")] = None,
    idle_timeout: Annotated[float | None, typer.Option(
        help="Stop after this many seconds without a message")] = None,
    base_delay: BaseDelayOpt = 0.5,
    max_delay: MaxDelayOpt = 30.0,
    metrics_port: MetricsPortOpt = None,
    metrics_address: MetricsAddressOpt = "127.0.0.1",
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Append one JSON line per event to an audit file, once per event id; reconnects when
    the broker drops or refuses it."""
    from smartalloc.bootstrap import run_audit_consumer

    _logging(verbose)
    _metrics(metrics_port, metrics_address)
    stats = _run(lambda stop: run_audit_consumer(
        amqp_url, queue, audit_file, processed_db, exchange=exchange, stop=stop,
        max_messages=max_messages, idle_timeout=idle_timeout, base_delay=base_delay,
        max_delay=max_delay))
    render.console.print(f"processed / پردازش شد: {stats.processed}, duplicates / تکراری: "
                         f"{stats.duplicates}, rejected / رد شده: {stats.rejected}")
