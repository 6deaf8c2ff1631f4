"""Manual review (issue K): assign, move or release one student with a reason, read the audit
and a student's candidates — the CLI's actions over HTTP.

The acting user is the token's; an exception outside the student's matrix rows needs the
administrator's ``review:exception`` (403 before anything is read). Every rule and refusal is
the handler's (``service_layer.job_review`` → ``service_layer.review``): a refused action is
the API's problem+json, 404 (unknown student or mentor), 409 (no seat — naming who took the
last one and when —, already allocated, not eligible, …) or 422 (no reason). Eligibility comes
from the run's own uploaded reports (``job_id``, default the latest successful run).
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from smartalloc.domain.national_id import normalize_national_id
from smartalloc.domain.normalize import clean_text
from smartalloc.domain.review import ReviewAction, ReviewChange, ReviewRequest
from smartalloc.domain.users import PERSONAL, REVIEW, REVIEW_EXCEPTION
from smartalloc.entrypoints.api.observability import hash_id, log
from smartalloc.entrypoints.api.security import Principal, require
from smartalloc.entrypoints.api.settings import input_paths
from smartalloc.entrypoints.clock import jalali_now
from smartalloc.service_layer import job_review
from smartalloc.service_layer.allocation_jobs import finished_run, kept_explanation

router = APIRouter(prefix="/api/v1", tags=["review"])
Reviewer = Annotated[Principal, Depends(require(REVIEW))]
Reader = Annotated[Principal, Depends(require(PERSONAL))]
JobId = Annotated[str | None, Field(min_length=1, max_length=36,
                                    description="The run whose reports give the eligibility "
                                                "(default: the latest successful run)")]
Reason = Annotated[str, Field(min_length=1, max_length=2000,
                              description="Why (required, kept in the audit; at most 500 "
                                          "characters once spaces are collapsed)")]
NationalId = Annotated[str, Field(min_length=1, max_length=20)]


class FlagBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    national_id: NationalId
    reason: Reason


class ReleaseBody(FlagBody):
    job_id: JobId = None


class ReviewBody(ReleaseBody):
    mentor_id: Annotated[str, Field(min_length=1, max_length=32)]
    exception: bool = Field(default=False, description=(
        "A mentor outside the student's matrix rows (administrators only; flagged as an "
        "exception in the audit and every output)"))


def change_view(change: ReviewChange) -> dict:
    return {"national_id": change.national_id, "action": str(change.action),
            "from_mentor": change.from_mentor, "to_mentor": change.to_mentor,
            "code": change.code, "reason": change.reason, "by": change.by, "at": change.at,
            "exception": change.exception, "run_id": change.run_id}


def act(request: Request, who: Principal, action: ReviewAction, body: ReleaseBody) -> dict:
    """One action as ``who``; the change as audited."""
    exception = isinstance(body, ReviewBody) and body.exception
    if exception:
        who.check(REVIEW_EXCEPTION)
    state = request.app.state
    mentor = clean_text(body.mentor_id).strip() if isinstance(body, ReviewBody) else ""
    nid = normalize_national_id(body.national_id)
    review = ReviewRequest(nid, action, mentor, body.reason, who.username, jalali_now(),
                           exception)

    def carry_out(req, paths, year, overrides):
        return state.system.review_action(req, paths, state.policy,
                                          admin=REVIEW_EXCEPTION in who.scopes, year=year,
                                          overrides=dict(overrides))

    job, change = job_review.act_on_run(
        state.jobs, body.job_id, review, act=carry_out,
        paths_of=lambda files: input_paths(state.settings, dict(files)))
    log.info("audit", action=f"review_{action}", student=hash_id(nid), job_id=job.id,
             to=change.to_mentor, exception=change.exception, by=who.username)
    return change_view(change)


@router.post("/review/assign")
def assign(request: Request, body: ReviewBody, who: Reviewer) -> dict:
    """Give an unallocated student a mentor with a free seat (its own code of the year is
    kept, or the next one issued)."""
    return act(request, who, ReviewAction.ASSIGN, body)


@router.post("/review/move")
def move(request: Request, body: ReviewBody, who: Reviewer) -> dict:
    """Move an allocated student to another mentor (one seat freed, one taken; code kept)."""
    return act(request, who, ReviewAction.MOVE, body)


@router.post("/review/release")
def release(request: Request, body: ReleaseBody, who: Reviewer) -> dict:
    """Release a student: its seat is freed, its code stays its own (D15)."""
    return act(request, who, ReviewAction.RELEASE, body)


def flag(request: Request, who: Principal, action: ReviewAction, body: FlagBody) -> dict:
    nid = normalize_national_id(body.national_id)
    change = request.app.state.system.review_flag(
        ReviewRequest(nid, action, "", body.reason, who.username, jalali_now()))
    log.info("audit", action=f"review_{action}", student=hash_id(nid), by=who.username)
    return change_view(change)


@router.post("/review/flag")
def flag_student(request: Request, body: FlagBody, who: Reviewer) -> dict:
    """Flag a student for review: a note for the next operator (the review list shows it);
    no allocation, seat or code changes. 409 if it is already flagged."""
    return flag(request, who, ReviewAction.FLAG, body)


@router.post("/review/unflag")
def unflag_student(request: Request, body: FlagBody, who: Reviewer) -> dict:
    """Clear a student's flag (409 if it has none)."""
    return flag(request, who, ReviewAction.UNFLAG, body)


@router.get("/review/list")
def review_list(request: Request, _: Reader,
                job_id: Annotated[str | None, Query(min_length=1, max_length=36)] = None,
                kind: Literal["unallocated", "placeholder", "flagged"] | None = None,
                include_resolved: bool = False) -> list[dict]:
    """The students that need an operator — unallocated, waiting on a placeholder mentor,
    flagged — with class, reason, suggested action and capacity-plan row: of the run of
    ``job_id``, or across every recorded run. Open items first."""
    state = request.app.state
    run_id = None
    if job_id is not None:
        run_id = (finished_run(state.jobs, job_id).result or {}).get("run_id") or job_id
    items = state.system.review_list(state.policy, run_id=run_id, kind=kind,
                                     include_resolved=include_resolved)
    return [dataclasses.asdict(i) for i in items]


@router.get("/review/log")
def review_log(request: Request, _: Reader,
               national_id: Annotated[str | None, Query(min_length=1, max_length=20)] = None
               ) -> list[dict]:
    """Every review change, oldest first: who, when, before → after, code, reason, exception
    (of one student when ``national_id`` is given)."""
    nid = normalize_national_id(national_id) if national_id else None
    return [change_view(c) for c in job_review.audit(request.app.state.system.review(), nid)]


@router.get("/students/{national_id}/candidates")
def candidates(request: Request, national_id: str, _: Reader,
               job_id: Annotated[str | None, Query(min_length=1, max_length=36)] = None
               ) -> dict:
    """The mentors the student could be given now: its candidates as the run's engine ranked
    them (explain's), with a seat left and an assignable status today."""
    state = request.app.state
    nid = normalize_national_id(national_id)
    job, found = kept_explanation(state.jobs, state.settings.runs, state.system.kept_run,
                                  job_id, nid)
    kept = found.as_dict()
    now = job_review.candidates_now(kept["candidates"], state.system.seats_now())
    log.info("review_candidates", student=hash_id(nid), job_id=job.id)
    return {"national_id": nid, "job_id": job.id, "decision": kept["decision"],
            "candidates": [dataclasses.asdict(c) for c in now]}
