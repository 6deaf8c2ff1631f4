"""``create_api_app(settings)``: wiring of the service. Health and metrics are open (probes and
Prometheus have no token); everything under /api/v1 needs a bearer token with a scope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis
from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from smartalloc.bootstrap import bootstrap, load_policy
from smartalloc.entrypoints import telemetry
from smartalloc.entrypoints.api import limits, problems, text_guard
from smartalloc.entrypoints.api import observability as obs
from smartalloc.entrypoints.api.correlation import Correlation
from smartalloc.entrypoints.api.headers import docs_urls
from smartalloc.entrypoints.api.login_guard import LoginGuard
from smartalloc.entrypoints.api.ratelimit import RateLimiter
from smartalloc.entrypoints.api.routes_admin import router as admin_router
from smartalloc.entrypoints.api.routes_agency import router as agency_router
from smartalloc.entrypoints.api.routes_imports import router as imports_router
from smartalloc.entrypoints.api.routes_intake import PATH as INTAKE_PATH
from smartalloc.entrypoints.api.routes_intake import router as intake_router
from smartalloc.entrypoints.api.routes_review import router as review_router
from smartalloc.entrypoints.api.routes_review_export import router as review_export_router
from smartalloc.entrypoints.api.routes_runs import router as runs_router
from smartalloc.entrypoints.api.routes_whatif import router as whatif_router
from smartalloc.entrypoints.api.runner import JobRunner
from smartalloc.entrypoints.api.settings import Settings, input_paths

OPEN_PATHS = ("/healthz", "/readyz", "/metrics")


def create_api_app(settings: Settings) -> FastAPI:
    """The REST API alone; ``entrypoints.service.create_app`` adds the operator's pages."""
    obs.configure_logging()
    telemetry.configure(settings.otlp_endpoint, settings.otel_service_name, "api")
    system = bootstrap(settings.database_url, key=settings.event_key or None)
    obs.use_pseudonym_key(system.event_key)
    store = system.history
    obs.instrument(store.engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resumed = app.state.runner.resume()
        obs.log.info("api_started", resumed_jobs=resumed)
        yield
        app.state.runner.shutdown()

    app = FastAPI(title="SmartAlloc", version="1", lifespan=lifespan,
                  telemetry=telemetry.FASTAPI_NATIVE_OFF,
                  description="Student → mentor allocation as a service (issue C).",
                  **docs_urls(settings.api_docs))
    app.state.reader = reader = system.read_engine()
    if reader is not store.engine:
        obs.instrument(reader)
    jobs = system.jobs(reader)
    app.state.system = system
    app.state.settings, app.state.store, app.state.engine = settings, store, store.engine
    app.state.jobs, app.state.policy = jobs, load_policy(settings.policy_path)
    # live intake (issue L): each source's secret resolved now, so a missing one stops start-up
    app.state.intake_secrets = system.intake_secrets(app.state.policy)
    app.state.intake = system.intake()
    app.state.allocate_now = (system.live_allocation(
        app.state.policy, jobs, lambda files: input_paths(settings, dict(files)))
        if app.state.policy.intake.mode == "now" else None)
    queue = None
    if settings.uses_pg_queue:
        from smartalloc.entrypoints.api.queue import PgQueue

        queue = PgQueue(store.engine, settings.database_url)
    app.state.runner = JobRunner(settings, system, jobs, queue)
    app.state.limiter = limiter = RateLimiter(settings)
    app.state.login_guard = LoginGuard(settings)
    problems.install(app)
    # Innermost first: the text guard reads only what the body limit lets through, and both
    # sit inside the correlation middleware (below), so their 413/422 answers are correlated.
    text_guard.install(app)
    limits.install(app)

    async def _limited(request: Request) -> Response | None:
        """A 429 (or 503 when Redis is down and the limiter fails closed), else None."""
        if request.url.path in OPEN_PATHS or request.url.path.startswith("/static/"):
            return None   # probes, and the web UI's CSS/JS/font (no data, cached by browsers)
        if request.url.path == INTAKE_PATH:
            return None   # one WordPress server's rush must not be a 429: routes_intake
        ip = request.client.host if request.client else "unknown"
        user = limiter.subject(request.headers.get("authorization", ""))
        verdict = await run_in_threadpool(limiter.check, ip, user)
        if verdict.allowed:
            return None
        if verdict.unavailable:
            return problems.problem(request, 503, "rate limiter unavailable",
                                    "Redis cannot be reached and the limiter fails closed")
        return problems.problem(request, 429, "too many requests",
                                f"retry after {verdict.retry_after} s",
                                headers={"Retry-After": str(verdict.retry_after)})

    app.add_middleware(Correlation, limited=_limited, quiet=OPEN_PATHS)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict:
        """The process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    def readyz() -> JSONResponse:
        """The database answers (required); Redis and the rate limiter's mode are reported:
        without Redis the API still serves (fail-open) or refuses (fail-closed)."""
        checks: dict[str, str] = {}
        try:
            with store.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unavailable ({type(exc).__name__})"
        try:
            if settings.redis_url:
                redis.Redis.from_url(settings.redis_url, socket_timeout=0.5,
                                     socket_connect_timeout=0.5).ping()
            checks["redis"] = "ok" if settings.redis_url else "not configured"
        except Exception as exc:
            checks["redis"] = f"unavailable ({type(exc).__name__})"
        checks["rate_limit"] = limiter.state
        if checks["redis"] not in ("ok", "not configured") and settings.rate_limit:
            checks["rate_limit"] = "fail-open" if settings.rate_limit_fail_open else "fail-closed"
        ready = checks["database"] == "ok"
        return JSONResponse({"status": "ready" if ready else "not ready", **checks},
                            status_code=200 if ready else 503)

    @app.get("/metrics", tags=["health"])
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    for router in (imports_router, runs_router, whatif_router, admin_router, agency_router,
                   review_router, review_export_router, intake_router):
        app.include_router(router)
    return app
