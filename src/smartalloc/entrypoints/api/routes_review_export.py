"""Exports after review (issue K) over HTTP: make the next version of a run's ImportToSabt,
list a run's versions, download a version's workbooks.

A version is made from the run's own uploaded reports (``service_layer.job_review``), as a
review action is; its files live beside the run's (``<run folder>/review/<run id>/v<n>/``) and
are served only from the folder the version's record names, by a fixed file name per kind.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from smartalloc.domain.review_export import ExportVersion
from smartalloc.domain.users import PERSONAL, REVIEW
from smartalloc.entrypoints.api.downloads import XLSX
from smartalloc.entrypoints.api.observability import log
from smartalloc.entrypoints.api.security import Principal, require
from smartalloc.entrypoints.api.settings import input_paths
from smartalloc.entrypoints.clock import jalali_now
from smartalloc.service_layer import job_review
from smartalloc.service_layer.allocation_jobs import finished_run

router = APIRouter(prefix="/api/v1", tags=["review"])
Reviewer = Annotated[Principal, Depends(require(REVIEW))]
Reader = Annotated[Principal, Depends(require(PERSONAL))]
Kind = Literal["full", "changes", "qa"]


class ExportBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    job_id: Annotated[str | None, Field(min_length=1, max_length=36, description=(
        "The run to export (default: the latest successful run)"))] = None


def version_view(v: ExportVersion) -> dict:
    view = dataclasses.asdict(v)
    view.pop("folder")           # a server path: the downloads name the files instead
    return view


def make_version(request: Request, who: Principal, job_id: str | None):
    """The next version of the run's export as ``who`` (the pages call this too)."""
    state = request.app.state

    def export(run_id, paths, overrides):
        return state.system.export_after_review(run_id, paths, state.policy, by=who.username,
                                                at=jalali_now(), overrides=dict(overrides))

    job, version = job_review.export_run(
        state.jobs, job_id, export=export,
        paths_of=lambda files: input_paths(state.settings, dict(files)))
    log.info("audit", action="review_export", job_id=job.id, version=version.version,
             by=who.username)
    return job, version


@router.post("/review/exports", status_code=201)
def export(request: Request, body: ExportBody, who: Reviewer) -> dict:
    """Make the next version of the run's ImportToSabt after review: the whole workbook, the
    changes-only workbook for the correction upload and QA (409 if nothing changed since the
    last version)."""
    return version_view(make_version(request, who, body.job_id)[1])


def run_versions(request: Request, job_id: str | None):
    state = request.app.state
    job = finished_run(state.jobs, job_id)
    return job, state.system.review_exports().versions(job_review.run_id_of(job))


@router.get("/review/exports")
def versions(request: Request, _: Reader,
             job_id: Annotated[str | None, Query(min_length=1, max_length=36)] = None
             ) -> list[dict]:
    """The run's versions after review, oldest first (version 1, the run's own workbooks, is
    the job's own download)."""
    return [version_view(v) for v in run_versions(request, job_id)[1]]


@router.get("/review/exports/{job_id}/{version}/{kind}", response_class=FileResponse)
def download(request: Request, job_id: str, version: int, kind: Kind, _: Reader
             ) -> FileResponse:
    """One workbook of a version: ``full`` (ImportToSabt), ``changes`` (the correction
    upload) or ``qa``."""
    job, found = run_versions(request, job_id)
    path = job_review.version_file(found, request.app.state.settings.runs, job, version, kind)
    if path is None:
        raise HTTPException(404, "no such workbook")
    return FileResponse(path, media_type=XLSX, filename=job_review.version_download_name(
        kind, job_review.run_id_of(job), version))
