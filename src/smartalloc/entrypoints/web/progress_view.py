"""A running run's progress as its page shows it: the stage's sub-step in words with its
counts, the elapsed time, and a bar that moves inside a stage — from the job's progress log
(``service_layer.progress``), beside the stage and percent the jobs table holds."""

from __future__ import annotations

from fastapi import Request

from smartalloc.entrypoints.api.job_views import moving_progress
from smartalloc.entrypoints.web.i18n import digits, lang_of, translator
from smartalloc.entrypoints.web.words import STEPS, message_id


def clock(seconds: float, lang: str) -> str:
    """``m:ss`` (``h:mm:ss`` past an hour), in Persian digits on Persian pages."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    text = f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
    return digits(text, lang)


def step_text(step: dict | None, lang: str) -> str:
    """The sub-step in the operator's words («خواندن گزارش دانش‌آموزان: ۱۰۰٬۰۰۰ ردیف»)."""
    if not step:
        return ""
    t = translator(lang)
    name, done, total = step["name"], step.get("done"), step.get("total")
    item = step.get("item", "")
    report = t(message_id("report", item)) if item else ""
    n = lambda v: digits(v, lang)   # noqa: E731
    if name == "report":
        return t("reading the %(report)s (file %(k)s of %(n)s)", report=report,
                 k=n((done or 0) + 1), n=n(total or 0))
    if name == "sheet":
        return t("reading the %(report)s: file checked, reading its sheet", report=report)
    if name == "rows":
        return t("reading the %(report)s: %(rows)s rows", report=report, rows=n(done or 0))
    if name == "history" and done is None:
        return t("recording history")
    if name in ("file", "files") and total:
        words = STEPS["file"] if name == "file" and item else STEPS["files"]
        return t(words, done=n(done or 0), total=n(total), item=item)
    if done is not None and total and name in STEPS:
        return t(STEPS[name], done=n(done), total=n(total))
    return ""


def progress_view(request: Request, job) -> dict:
    """What the run page's poll adds to the API's moving progress: the step and the elapsed
    time in the operator's words (``step_text``, ``elapsed_text``)."""
    view = moving_progress(request.app.state, job)
    if not view:
        return {}
    lang = lang_of(request)
    return {**view, "step_text": step_text(view["step"], lang),
            "elapsed_text": clock(view["elapsed_s"], lang)}
