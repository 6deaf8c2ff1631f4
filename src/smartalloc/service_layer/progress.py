"""Sub-steps of a run's progress (issue J): what a stage is doing, with counts, so that no
stage of a 100k run sits still on the operator's page.

A stage change is reported by the run itself at safe points — before its database transaction
opens — and a caller may record it in the database. A sub-step can come from anywhere: the
readers, the writer's processes (forked children included), the database work *inside* the
run's transaction. So a sub-step goes to ``ProgressFn`` as a detail, and a caller must never
record a detail in the database (the job's progress log is a file: ``adapters.progress_file``);
reporting it costs an append, and a failing report never fails the run.

Adapters report with ``step`` and need no handle: the run sets where steps go for its own
thread (a context variable, copied into a forked writer child); a step reported anywhere else
(another thread, a reader used outside a run) goes nowhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar

from smartalloc.domain.progress import fold
from smartalloc.service_layer.service_ports import ProgressLogReader

StepFn = Callable[[dict], None]
_SINK: ContextVar[StepFn | None] = ContextVar("smartalloc_progress_step", default=None)


def step(name: str, done: int | None = None, total: int | None = None,
         item: str | None = None) -> None:
    """Report a sub-step of the current stage: ``name`` (what is being done), ``done`` of
    ``total`` (either may be unknown), ``item`` (which report, which file)."""
    sink = _SINK.get()
    if sink is None:
        return
    detail = {"step": name, "done": done, "total": total, "item": item}
    with suppress(OSError):   # progress is for the operator's eyes: never fails a run
        sink({k: v for k, v in detail.items() if v is not None})


@contextmanager
def steps_to(sink: StepFn) -> Iterator[None]:
    """Send this thread's ``step`` reports to ``sink`` while the block runs."""
    token = _SINK.set(sink)
    try:
        yield
    finally:
        _SINK.reset(token)


class RunProgress:
    """A run's progress reports: ``(stage, fraction)`` at each stage change, and each sub-step
    as ``(stage, fraction, detail)`` under the stage it belongs to."""

    def __init__(self, report: Callable[..., None]):
        self.report, self.stage, self.fraction = report, "", 0.0

    def __call__(self, stage: str, fraction: float) -> None:
        self.stage, self.fraction = stage, fraction
        self.report(stage, fraction)

    def detail(self, detail: dict) -> None:
        if self.stage:
            self.report(self.stage, self.fraction, detail)


def job_progress(log: ProgressLogReader, now: float) -> dict:
    """A running job's progress as its page shows it, from the events in its log
    (``domain.progress.fold``; {} before the first)."""
    return fold(log.read(), now)
