"""A job as the API (and the run page's progress bar) shows it."""

from __future__ import annotations

import time

from smartalloc.service_layer.progress import job_progress


def job_view(job) -> dict:
    body = {"job_id": job.id, "kind": job.kind, "state": job.state,
            "progress_percent": round(job.progress * 100, 1), "stage": job.stage,
            "created_at": job.created_at, "updated_at": job.updated_at}
    if job.result is not None:
        body["result"] = job.result
    if job.error is not None:
        body["errors"] = job.error.get("errors", [])
    return body


def status_view(job) -> dict:
    """The status answer: the job with its run's counts."""
    return {**job_view(job), "counts": (job.result or {}).get("counts", {})}


def moving_progress(state, job) -> dict:
    """A running run's sub-step from its progress log ({} otherwise): ``step`` (with its
    counts), ``files``, ``elapsed_s``, ``stage_elapsed_s``, and a ``progress_percent`` that
    moves inside the stage. The status route and the run page's poll both answer it."""
    if job.state != "running":
        return {}
    view = job_progress(state.system.progress_log(state.settings.runs / job.id), time.time())
    if not view:
        return {}
    percent = round(job.progress * 100, 1)
    if view["stage"] == job.stage:
        percent = max(percent, round(view["fraction"] * 100, 1))
    return {"step": view["step"], "files": view["files"], "elapsed_s": view["elapsed_s"],
            "stage_elapsed_s": view["stage_elapsed_s"], "progress_percent": percent}
