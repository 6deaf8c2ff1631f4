"""The operator's web UI (issue E): server-rendered Persian pages (RTL, Jalali dates, English
as a second language) on the same app as the API; see docs/web.md."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from smartalloc.entrypoints.web.pages import STATIC_DIR, is_ui_page, redirect, ui_problems
from smartalloc.entrypoints.web.routes import router
from smartalloc.entrypoints.web.routes_run import FILE_ROLES
from smartalloc.entrypoints.web.scoped import PathScoped, not_api
from smartalloc.entrypoints.web.session import PASSWORD_PAGE, PasswordChangeNeeded, renew_cookie


def install(app: FastAPI) -> None:
    """Mount the pages, their static files (CSS, JS, the Vazirmatn font) and the error-page
    middleware (outside the API's, so it also sees the rate limiter's 429)."""
    app.include_router(router)
    # The run form carries every report in one request (``api.limits``: its body limit).
    app.state.upload_routes["/ui/run"] = len(FILE_ROLES)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(PathScoped, dispatch=ui_problems, applies=is_ui_page)
    # outermost: a renewed cookie reaches error pages too
    app.add_middleware(PathScoped, dispatch=renew_cookie, applies=not_api)
    app.add_exception_handler(PasswordChangeNeeded, lambda _request, _exc: redirect(PASSWORD_PAGE))


__all__ = ["install"]
