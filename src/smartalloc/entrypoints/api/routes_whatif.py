"""What-if jobs (issue M): start one on uploaded reports, and read its report — a WHAT-IF, never
a decision: the students the policy places beside the most an optimal assignment would under
the same eligibility and seats. It runs as a job (up to ~10 s of CPU at 100k students, never on
a request thread) and records nothing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse

from smartalloc.entrypoints.api.job_views import job_view
from smartalloc.entrypoints.api.routes_runs import RunBody
from smartalloc.entrypoints.api.security import Principal, require
from smartalloc.service_layer.whatif_jobs import kept_whatif, start_whatif

router = APIRouter(prefix="/api/v1", tags=["what-if"])


@router.post("/allocation/whatif", status_code=202)
def start(request: Request, body: RunBody,
          who: Annotated[Principal, Depends(require("alloc:run"))],
          idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key",
                                                        max_length=255)] = None
          ) -> JSONResponse:
    """Start a what-if job on these uploads; watch it at the status URL, read its report at
    ``/allocation/whatif/{job_id}``. The same Idempotency-Key and body return the same job."""
    state = request.app.state
    job, created = start_whatif(body.command(who.username, idempotency_key), state.jobs,
                                state.runner)
    return JSONResponse(job_view(job), status_code=202 if created else 200,
                        headers={"Location": f"/api/v1/allocation/whatif/{job.id}"})


@router.get("/allocation/whatif/{job_id}")
def report(request: Request, job_id: str,
           _: Annotated[Principal, Depends(require("report:read"))]) -> dict:
    """The report of a finished what-if job (``what_if: true``): placed by the policy and by
    the optimum, the combinations the optimum places more of, the mentors whose seats the
    order spent, and reservations that would recover them."""
    state = request.app.state
    return kept_whatif(state.jobs, state.settings.runs, state.system.kept_whatif, job_id)
