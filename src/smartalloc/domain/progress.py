"""What an operator sees of a running job: its stage, what the stage is doing with counts,
and how long it has been at it — folded from the events the job's processes report
(``service_layer.progress``), so that the page moves while a 100k run reads, writes and
records (issue J: it sat still for 10 s and 35 s).
"""

from __future__ import annotations

from collections.abc import Sequence

# Where each stage of a run starts on the progress bar (``run_allocation`` reports these),
# so a sub-step's counts can move the bar inside its stage.
STAGE_STARTS = {"read": 0.0, "matrix": 0.3, "allocate": 0.45, "reports": 0.6, "write": 0.7,
                "done": 1.0}
FILE_STEPS = ("file", "files")


def _next_start(stage: str, at: float) -> float:
    return min((f for f in STAGE_STARTS.values() if f > at), default=1.0) \
        if stage in STAGE_STARTS else at


def fold(events: Sequence[dict], now: float) -> dict:
    """The job's progress as of ``now`` (wall-clock seconds): ``stage``, ``fraction`` (0–1,
    finer than the stage's own), ``elapsed_s`` since the first event and ``stage_elapsed_s``,
    the latest ``step`` of the stage (name, done, total, item) and ``files`` written of the
    run's total. {} before the first event."""
    if not events:
        return {}
    stage, fraction, stage_at = "", 0.0, events[0].get("t", now)
    step: dict | None = None
    files: set[str] = set()
    files_total = 0
    for e in events:
        if "step" not in e:
            stage, fraction, stage_at, step = e.get("stage", ""), e.get("fraction", 0.0), \
                e.get("t", now), None
            continue
        if e["step"] == "file" and e.get("item"):
            files.add(e["item"])
        if e["step"] == "files" and e.get("total"):
            files_total = e["total"]
        if e.get("stage") == stage:
            step = {k: e[k] for k in ("done", "total", "item") if k in e} | {"name": e["step"]}
    files_view = {"done": len(files), "total": max(files_total, len(files))} \
        if files_total else None
    if step is not None and step["name"] in FILE_STEPS and files_view:
        step |= files_view
    top = _next_start(stage, fraction)
    share = 0.0
    if stage == "write" and files_view:
        share = files_view["done"] / files_view["total"]
    elif step is not None and step.get("total"):
        share = min(1.0, (step.get("done") or 0) / step["total"])
    return {"stage": stage, "fraction": round(fraction + (top - fraction) * share * 0.95, 3),
            "elapsed_s": round(max(0.0, now - events[0].get("t", now)), 1),
            "stage_elapsed_s": round(max(0.0, now - stage_at), 1),
            "step": step, "files": files_view}
