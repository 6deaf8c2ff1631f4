"""Rich rendering of run summaries, explanations and errors for the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from smartalloc.domain import glossary
from smartalloc.domain.errors import SmartAllocError
from smartalloc.domain.explain import Explanation
from smartalloc.service_layer.run_reports import RunResult

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def show_error(error: SmartAllocError) -> None:
    for problem in error.problems:
        err_console.print(f"[bold red]✗[/] {problem.render()}", markup=True, soft_wrap=True)


def show_run(result: RunResult) -> None:
    """The run's counts and QA in the operator's words, Persian / English (the meta sheet's
    labels, ``glossary``), never a machine code."""
    table = Table(title=f"SmartAlloc run {result.run_id}")
    table.add_column("شمار / measure")
    table.add_column("مقدار / value", justify="right")
    for key in ("students", "allocated", "codes_reused", "allocated_earlier"):
        term = glossary.RUN_FACTS[f"count_{key}"]
        table.add_row(f"{term.fa.removeprefix('شمار: ')} / {term.en}",
                      str(result.counts.get(key, 0)))
    for key, term in glossary.FAILURE_CLASSES.items():
        table.add_row(f"{term.fa} / {term.en}", str(result.counts.get(key, 0)))
    qa = glossary.QA_STATUSES.get(result.qa_status)
    table.add_row(glossary.RUN_FACTS["qa_status"].fa + " / QA",
                  f"{qa.fa} / {qa.en}" if qa else result.qa_status)
    for stage, seconds in result.timings.items():
        table.add_row(f"time: {stage}", f"{seconds:.2f} s")
    console.print(table)
    console.print("Output workbooks:")
    for path in result.files:
        console.print(f"  {path.resolve()}")
    for note in result.notes:
        console.print(note, soft_wrap=True)
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}")


def show_explanation(exp: Explanation) -> None:
    s, d = exp.student, exp.decision
    console.print(f"[bold]Student[/] row {s.row}, national id {s.national_id}, keys {s.keys}, "
                  f"channel {d.channel}")
    console.print(f"[bold]Decision[/] {d.outcome}: mentor {d.mentor_id or '-'} alias {d.alias or '-'} "
                  f"code {d.code or '-'} {d.failure or ''}")
    console.print(f"  {d.reason_fa or ''} {d.dedupe_reason}")
    stages = Table(title="8-stage trace")
    for col in ("stage", "label", "before", "after"):
        stages.add_column(col)
    for st in exp.stages:
        stages.add_row(st.stage, st.label_fa, str(st.before), str(st.after))
    console.print(stages)
    if d.runner_up_id:
        console.print(f"Winner {d.mentor_id} beat runner-up {d.runner_up_id} on {d.decided_by}")
    cands = Table(title="Candidates at decision time (ranked)")
    for col in ("rank", "mentor", "alias", "occupancy", "allocations_new", "remaining", "seat"):
        cands.add_column(col)
    for c in exp.candidates[:25]:
        cands.add_row(str(c.rank), c.mentor_id, c.alias, f"{c.occupancy_ratio:.3f}",
                      str(c.allocations_new), str(c.remaining), "yes" if c.has_seat else "full")
    console.print(cands)
    for mentor_id, why in exp.why_not:
        console.print(f"Why not {mentor_id}: {why}")
    for origin in exp.code_origin:
        console.print(f"Code: {origin.fa} / {origin.en}")
    for r in exp.rows:
        console.print(f"Row {r.row}{' (kept)' if r.kept else ''}: {r.outcome} {r.note_fa}")
    if (action := exp.suggested_action) is not None:
        console.print(f"Suggested action: {action['fa']}")
