"""The operator's pages. They call the same service handlers as the API (uploads, runs, what-if,
explain, governance) with the principal of the session cookie, so the rules, limits, audit and
error problems are one; errors become friendly pages (``pages.ui_problems``) or, for the run
form, inline messages naming file, sheet, row and column. One module per page group; this
router gathers them."""

from __future__ import annotations

from fastapi import APIRouter

from smartalloc.entrypoints.web import (
    routes_history,
    routes_intake,
    routes_jobs,
    routes_mentors,
    routes_review,
    routes_review_export,
    routes_run,
    routes_setup,
    routes_signin,
    routes_students,
    routes_whatif,
)

router = APIRouter(include_in_schema=False)
for _pages in (routes_signin, routes_run, routes_jobs, routes_students, routes_mentors,
               routes_history, routes_setup, routes_whatif, routes_review,
               routes_review_export, routes_intake):
    router.include_router(_pages.router)
