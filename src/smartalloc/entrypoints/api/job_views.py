"""A job as the API (and the run page's progress bar) shows it."""

from __future__ import annotations


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
