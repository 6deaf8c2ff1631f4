"""Use case: the review list (issue K) — per run, or across runs.

What a run decided comes from what it kept (``RunDecisions``: its explanation file, or — for a
run that kept none, such as a command-line run — the database's own account of it, without
classes or reasons); where each student stands *now* comes from the database
(``ReviewListStore``): its allocation, the open flags, the review audit. ``domain.review_list``
turns the two into items.

**Across runs** (no ``run_id``): every recorded run in commit order, the latest decision per
student winning — a run that read the student again supersedes the older run's line of it
(``RunDecisions.contains``), so a student unallocated twice is listed once, with the newer
reason. A run whose QA failed is never listed: its allocations did not enter history, so its
lines would describe a state the database never had.

**Placeholders** (D17) are found by the policy's own test (``pool.is_placeholder``): the
mentor's name from the database and, when a run kept it, its alias from that run's decisions.
The database keeps no alias (its column is empty), so a placeholder known only by its alias
range is recognised only through a run that kept its decisions — see the review notes.

Only the students that can be on the list are read: every unallocated line, the lines on a
placeholder mentor, and the students the audit or a flag names (a release, a flag). At 100k
students that is a few thousand rows, not the run.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from smartalloc.domain.errors import ConflictError, InputError, NotFoundError, Problem
from smartalloc.domain.policy import VirtualMentorPolicy
from smartalloc.domain.pool import is_placeholder
from smartalloc.domain.review_list import (
    Decided,
    Flag,
    ItemKind,
    ReviewItem,
    flag_only,
    items_of,
    ordered,
)
from smartalloc.domain.run_results import PlanLine


@dataclass(frozen=True)
class RunOnRecord:
    run_id: str
    started_at: str
    recorded: bool     # QA passed: its allocations are in history
    folder: str        # its own output folder (where its kept file is, if it kept one)


class RunDecisions(Protocol):
    """What one run decided, as it kept it."""

    def mentors(self) -> Mapping[str, tuple[str, str]]:
        """Each mentor the run gave students → (name, alias) as the run read them ("" alias
        when only school rows were used: a school row's alias is no postal alias)."""
        ...

    def decided(self, *, mentors: Collection[str],
                national_ids: Collection[str]) -> list[Decided]:
        """Every student the run left unallocated, every student it gave one of ``mentors``,
        and those of ``national_ids`` it decided."""
        ...

    def contains(self, national_ids: Collection[str]) -> set[str]:
        """Which of ``national_ids`` the run decided."""
        ...

    def plan(self) -> list[PlanLine]:
        """Its capacity plan ([] when it kept none)."""
        ...


class ReviewListStore(Protocol):
    """The database now."""

    def runs(self) -> list[RunOnRecord]:
        """Every run, in commit order."""
        ...

    def open_run(self, run: RunOnRecord) -> RunDecisions: ...

    def mentor_names(self) -> dict[str, str]: ...

    def holdings(self, national_ids: Collection[str]) -> dict[str, str]:
        """Each of ``national_ids`` holding an allocation → its mentor now."""
        ...

    def on_mentors(self, mentor_ids: Collection[str]) -> dict[str, tuple[str, str]]:
        """Students held by one of ``mentor_ids`` now → (mentor, the allocation's run)."""
        ...

    def open_flags(self) -> dict[str, Flag]: ...

    def reviewed(self) -> set[str]:
        """The students whose allocation review ever changed."""
        ...


_KIND_CODES = tuple(str(k) for k in ItemKind)


def review_list(store: ReviewListStore, virtual: VirtualMentorPolicy, *,
                run_id: str | None = None, kind: str | None = None,
                include_resolved: bool = False) -> list[ReviewItem]:
    """The review list of run ``run_id`` (default: across every recorded run), only items of
    ``kind`` when given; resolved items only when ``include_resolved``. Open items first,
    then by kind, run and national id. 404 for an unknown run, 409 for a run whose QA failed,
    422 for an unknown kind."""
    if kind is not None and kind not in _KIND_CODES:
        raise InputError(Problem(
            "REVIEW_LIST_KIND", f"نوع «{kind}» شناخته نیست ({'، '.join(_KIND_CODES)})",
            f"unknown kind «{kind}» ({', '.join(_KIND_CODES)})"))
    opened = [store.open_run(run) for run in _chosen(store.runs(), run_id)]
    read = [kept.mentors() for kept in opened]
    names = store.mentor_names()
    placeholder = _placeholder_test(names, read, virtual)
    placeholders = {m for m in (*names, *(m for seen in read for m in seen)) if placeholder(m)}
    flags = store.open_flags()
    waiting = store.on_mentors(placeholders)
    watch = set(flags) | set(waiting) | store.reviewed()

    latest: dict[str, tuple[Decided, RunDecisions | None]] = {}
    for kept in opened:                            # commit order: a later run supersedes
        for nid in kept.contains(list(latest)) if latest else ():
            del latest[nid]
        for decided in kept.decided(mentors=placeholders, national_ids=watch):
            latest[decided.national_id] = (decided, kept)
    for nid, (mentor, run) in waiting.items():     # on a placeholder by review, in no line
        if nid not in latest and run_id in (None, run):
            latest[nid] = (Decided(nid, run, mentor, kept=False), None)
    now = store.holdings({*latest, *flags})

    items: list[ReviewItem] = []
    plans: dict[int, list[PlanLine]] = {}
    for nid, (decided, kept) in latest.items():
        plan: list[PlanLine] = []
        if kept is not None and not decided.mentor_id:
            if id(kept) not in plans:          # read once per run, only when needed
                plans[id(kept)] = kept.plan()
            plan = plans[id(kept)]
        items += items_of(decided, now.get(nid), placeholder, flag=flags.get(nid), plan=plan)
    items += [flag_only(flag, now.get(nid)) for nid, flag in flags.items()
              if nid not in latest and run_id in (None, flag.run_id)]
    return ordered(i for i in items if (kind is None or i.kind == kind)
                   and (include_resolved or not i.resolved))


def _chosen(runs: list[RunOnRecord], run_id: str | None) -> list[RunOnRecord]:
    if run_id is None:
        return [r for r in runs if r.recorded]
    found = [r for r in runs if r.run_id == run_id]
    if not found:
        raise NotFoundError(Problem("REVIEW_LIST_UNKNOWN_RUN",
                                    f"اجرایی با شناسهٔ {run_id} ثبت نشده است",
                                    f"no run with id {run_id} was recorded"))
    if not found[0].recorded:
        raise ConflictError(Problem(
            "REVIEW_LIST_RUN_NOT_RECORDED",
            "کنترل کیفیت این اجرا رد شد و تخصیص‌هایش ثبت نشد؛ پس از رفع مشکل، اجرا را دوباره "
            "انجام دهید و فهرست بازبینی آن اجرا را ببینید",
            "this run failed its quality checks and its allocations were not recorded; fix "
            "the problem, run again and review that run"))
    return found


def _placeholder_test(names: Mapping[str, str], read: list[Mapping[str, tuple[str, str]]],
                      virtual: VirtualMentorPolicy) -> Callable[[str], bool]:
    """mentor id → whether it is a placeholder (D17): its name in the database (else as a run
    read it) and its alias as a run read it."""
    known: dict[str, tuple[str, str]] = {}
    for seen in read:
        for mentor, (name, alias) in seen.items():
            old = known.get(mentor, ("", ""))
            known[mentor] = (old[0] or name, old[1] or alias)

    @cache
    def test(mentor_id: str) -> bool:
        name, alias = known.get(mentor_id, ("", ""))
        return is_placeholder(names.get(mentor_id) or name, alias, virtual)

    return test
