"""Finding I-4: every response carries the browser security headers, personal data is never
cached, and the API's docs page (which loaded Swagger's scripts from a public CDN) is off
unless an operator turns it on.

The page templates carry no inline script, event handler or style attribute (a strict
Content-Security-Policy would block them): bar widths come from data attributes that
``static/app.js`` applies.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from smartalloc.entrypoints.web.pages import HERE
from tests.security.conftest import build

COMMON = {"x-frame-options": "DENY", "x-content-type-options": "nosniff",
          "referrer-policy": "no-referrer"}
CSP_DIRECTIVES = ("default-src 'self'", "script-src 'self'", "style-src 'self'",
                  "object-src 'none'", "base-uri 'none'", "form-action 'self'",
                  "frame-ancestors 'none'")


def assert_secure(response, *, cached: bool = False) -> None:
    for name, value in COMMON.items():
        assert response.headers.get(name) == value, (name, dict(response.headers))
    csp = response.headers.get("content-security-policy", "")
    for directive in CSP_DIRECTIVES:
        assert directive in csp, (directive, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    if cached:
        assert "no-store" not in response.headers.get("cache-control", "")
    else:
        assert response.headers.get("cache-control") == "no-store"


def test_a_page(service) -> None:
    page = service.client.get("/ui/login")
    assert page.status_code == 200
    assert_secure(page)
    service.client.post("/ui/login", data={"username": "admin", "password": "admin-password",
                                           "csrf_token": service.login_csrf()})
    jobs = service.client.get("/ui/jobs")
    assert jobs.status_code == 200 and "text/html" in jobs.headers["content-type"]
    assert_secure(jobs)
    assert_secure(service.client.get("/ui/nowhere"))   # the error page


def test_api_responses(service) -> None:
    mentors = service.client.get("/api/v1/mentors", headers=service.auth("viewer"))
    assert mentors.status_code == 200
    assert_secure(mentors)
    assert_secure(service.client.get("/api/v1/mentors"))   # a 401 problem
    assert_secure(service.client.get("/healthz"))
    assert_secure(service.client.get("/openapi.json"))


def test_an_unexpected_error_too(service, monkeypatch) -> None:
    """Starlette's 500 answer is sent outside every middleware: its handler adds them."""
    def broken(*_a, **_k):
        raise RuntimeError("internals")
    monkeypatch.setattr(service.client.app.state.jobs, "get", broken)
    crashed = service.client.get("/api/v1/allocation/status/x", headers=service.auth("viewer"))
    assert crashed.status_code == 500
    assert_secure(crashed)


def test_static_files_stay_cacheable(service) -> None:
    for name in ("/static/app.css", "/static/app.js"):
        response = service.client.get(name)
        assert response.status_code == 200
        assert_secure(response, cached=True)


def test_docs_are_off_by_default(service) -> None:
    assert service.client.get("/docs").status_code == 404
    assert service.client.get("/redoc").status_code == 404
    assert service.client.get("/openapi.json").status_code == 200


def test_docs_can_be_turned_on(tmp_path: Path) -> None:
    from smartalloc.entrypoints.api.settings import Settings

    assert "api_docs" in {f.name for f in dataclasses.fields(Settings)}
    url = f"sqlite:///{tmp_path / 'docs.sqlite'}"
    for service in build(url, tmp_path / "data", api_docs=True):
        docs = service.client.get("/docs")
        assert docs.status_code == 200
        csp = docs.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and docs.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("template", sorted(p.name for p in (HERE / "templates").glob("*.html")))
def test_templates_need_no_inline_script_or_style(template: str) -> None:
    html = (HERE / "templates" / template).read_text("utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert not re.search(r"\sstyle\s*=", html) and "<style" not in html, "inline style"
    assert "javascript:" not in html
