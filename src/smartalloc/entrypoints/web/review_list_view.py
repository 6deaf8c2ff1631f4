"""The review list of a run as the page shows it (issue K): one row per student that needs an
operator — unallocated, waiting on a placeholder mentor, or flagged — with its class, reason,
suggested action and capacity-plan row, all in the operator's words.

The items are the review list's own (``System.review_list`` → ``service_layer.review_list``),
for the run this job recorded; this module only adds what the page shows beside them (the
student's name from the run's kept lines, the words in the page's language).
"""

from __future__ import annotations

from fastapi import Request

from smartalloc.domain import glossary
from smartalloc.domain.errors import SmartAllocError
from smartalloc.domain.review_list import KINDS, suggestion
from smartalloc.entrypoints.api.problems import problem_items
from smartalloc.entrypoints.web.i18n import lang_of, persian_digits
from smartalloc.service_layer import run_views
from smartalloc.service_layer.service_ports import JobRecord

LIMIT = 500               # a 100k run can leave thousands: the first ones, and the count


def review_items(request: Request, job: JobRecord) -> dict:
    """{"rows": the first ``LIMIT`` open items as dicts, "total": how many are open,
    "error": why there is no list (a run whose QA failed), in the page's language}."""
    state, lang = request.app.state, lang_of(request)
    run_id = (job.result or {}).get("run_id", "")
    try:
        items = state.system.review_list(state.policy, run_id=run_id) if run_id else []
    except SmartAllocError as exc:            # 404 unknown run / 409 its QA failed
        item = problem_items(exc)[0]
        error = persian_digits(item["message_fa"]) if lang == "fa" else item["message_en"]
        return {"rows": [], "total": 0, "error": error}
    folder = state.settings.runs / job.id
    shown = persian_digits if lang == "fa" else str     # the domain writes Latin digits
    rows = []
    for item in items[:LIMIT]:
        line = run_views.find(folder, item.national_id, state.system.kept_run)
        action = suggestion(item.kind, item.failure_class)
        rows.append({
            "national_id": item.national_id, "name": line.name if line else "",
            "kind": item.kind, "kind_words": glossary.word(KINDS, item.kind, lang),
            "failure_class": item.failure_class, "reason": shown(item.reason),
            "suggested_action": action.en if lang == "en" else shown(item.suggested_action),
            "plan_row": shown(item.plan_row), "mentor_id": item.mentor_id,
            "flagged_reason": item.flagged_reason, "flagged_by": item.flagged_by,
            "flagged_at": item.flagged_at})
    return {"rows": rows, "total": len(items), "error": ""}


def export_versions(request: Request, job: JobRecord) -> list[dict]:
    """The run's versions after review, newest first, as the page lists them (version 1 is
    the run's own workbooks, on the run's page)."""
    run_id = (job.result or {}).get("run_id", "")
    if not run_id:
        return []
    try:
        found = request.app.state.system.review_exports().versions(run_id)
    except SmartAllocError:                   # a run history does not know
        return []
    return [{"version": v.version, "made_at": v.made_at, "made_by": v.made_by,
             "rows": v.rows, "changed": v.changed, "exceptions": v.exceptions,
             "qa_status": v.qa_status} for v in reversed(found)]
