"""Rendering: the Jinja2 environment, the page context (language, user, menu, CSRF) and the
friendly error pages every RFC 9457 problem of a UI page is turned into."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from smartalloc.domain import glossary
from smartalloc.domain.key_words import describe_keys
from smartalloc.domain.users import PERSONAL
from smartalloc.entrypoints.api import observability as obs
from smartalloc.entrypoints.api import problems
from smartalloc.entrypoints.api.security import Principal
from smartalloc.entrypoints.web.i18n import (
    LANG_COOKIE,
    LANGS,
    digits,
    jalali,
    lang_of,
    page_gettext,
    page_ngettext,
    persian_digits,
    translator,
)
from smartalloc.entrypoints.web.session import maybe_current, session_csrf
from smartalloc.entrypoints.web.words import HTTP_ERRORS, N_, OTHER_ERROR, message_id

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
env = Environment(loader=FileSystemLoader(HERE / "templates"), extensions=["jinja2.ext.i18n"],
                  autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
# The templates' ``_()``/``{% trans %}`` translate with the catalog of the page's ``lang``.
env.install_gettext_callables(page_gettext, page_ngettext, newstyle=True)

# (path, words, scope): the menu; an entry is shown only to roles with its scope.
MENU = (("/ui/run", N_("Run allocation"), "alloc:run"), ("/ui/jobs", N_("Run results"), "report:read"),
        ("/ui/students", N_("Student search"), PERSONAL),
        ("/ui/mentors", N_("Mentors"), "report:read"),
        ("/ui/history", N_("History"), "report:read"),
        ("/ui/setup", N_("Agency set-up"), "mentors:write"))


def _lang_url(request: Request, lang: str) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return f"{request.url.path}?{urlencode([*query, ('lang', lang)])}"


def page(request: Request, template: str, *, status: int = 200, who: Principal | None = None,
         **context: object) -> HTMLResponse:
    lang = lang_of(request)
    t = translator(lang)
    who = who or maybe_current(request)
    menu = [(path, t(key), request.url.path.startswith(path)) for path, key, scope in MENU
            if who is not None and not who.must_change and scope in who.scopes]
    html = env.get_template(template).render(
        request=request, lang=lang, dir="rtl" if lang == "fa" else "ltr", who=who,
        menu=menu, csrf=session_csrf(request) if who else "",
        other_lang="en" if lang == "fa" else "fa",
        lang_url=_lang_url(request, "en" if lang == "fa" else "fa"),
        num=lambda v: digits(v, lang), jdate=lambda v, time=True: jalali(v, lang, time=time),
        term=lambda table, code: glossary.word(getattr(glossary, table), code, lang),
        keys_words=lambda keys: key_words(keys, lang),
        word=lambda family, code: t(message_id(family, code)),
        pct=lambda v: percent(v, lang), **context)
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, path="/", samesite="lax")
    return response


def percent(value: float, lang: str) -> str:
    """A ratio as operators read it: 0.0666… → «۶٫۷٪» (never a raw float)."""
    text = f"{float(value) * 100:.1f}".removesuffix(".0")
    return persian_digits(text.replace(".", "٫")) + "٪" if lang == "fa" else text + "%"


def key_words(keys, lang: str) -> str:
    """A six-key combination in words, with the page's digits (tables and charts alike)."""
    return digits(describe_keys(keys, lang), lang)


_ROLE_SCOPE = re.compile(r"the role '([^']*)' lacks the scope '([^']*)'")


def error_page(request: Request, status: int, body: dict) -> Response:
    """The Persian (or English) page for a problem: a title per status, the problem's own
    items (a bad workbook names file, sheet, row and column) and the correlation id."""
    t = translator(lang_of(request))
    title = str(body.get("title", ""))
    message = t(HTTP_ERRORS.get(status, OTHER_ERROR))
    if status == 403 and title.startswith("CSRF"):
        message = t("The form is stale or invalid (bad security token). "
                    "Reload the page and submit again.")
    elif status == 403 and (m := _ROLE_SCOPE.search(title)):
        lacks = t("The role '%(role)s' lacks the permission '%(scope)s'.",
                  role=t(message_id("role", m[1])), scope=t(message_id("scope", m[2])))
        message = f"{message} {lacks}"
    items = [i for i in body.get("errors", []) if isinstance(i, dict)]
    detail = "" if status >= 500 or items else title
    return page(request, "error.html", status=status, message=message, detail=detail,
                items=items, correlation_id=body.get("correlation_id", ""), status_code=status)


def is_ui_page(path: str) -> bool:
    return (path == "/ui" or path.startswith("/ui/")) and not path.startswith("/ui/api/")


async def ui_problems(request: Request, call_next) -> Response:
    """On UI pages (not the UI's JSON endpoints), a problem+json answer becomes a friendly
    page, a 401 a redirect to the login form, and an unexpected exception a 500 page."""
    if not is_ui_page(request.url.path):
        return await call_next(request)
    try:
        response = await call_next(request)
    except Exception as exc:
        obs.log.error("ui_unhandled_error", error_type=type(exc).__name__)
        return error_page(request, 500, {"correlation_id": problems.correlation_id(request)})
    if response.status_code < 400 or not response.headers.get("content-type", "").startswith(
            problems.MEDIA):
        return response
    raw = b"".join([chunk async for chunk in response.body_iterator])
    try:
        body = json.loads(raw)
    except ValueError:
        body = {}
    if response.status_code == 401 and request.url.path != "/ui/login":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/ui/login?next={quote(target)}&expired=1", status_code=303)
    answer = error_page(request, response.status_code, body)
    for name in ("Retry-After", problems.CORRELATION):
        if name in response.headers:
            answer.headers[name] = response.headers[name]
    return answer


def redirect(url: str) -> RedirectResponse:
    """303 See Other: after a form POST the browser GETs the target."""
    return RedirectResponse(url, status_code=303)
