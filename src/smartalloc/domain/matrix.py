"""The eligibility matrix (spec step 3, D2–D5, SSoT §6–§10, FR-10..FR-23).

Each pool mentor gets a *plan* (group codes, Normal alias, resolved schools); the rows are the
plan's cross product with statuses and finance variants. Plans are also what coverage counts,
so a row that goes missing is visible there. Everything is sorted with total keys, so the
same report in any row order gives the same matrix.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter

from smartalloc.domain.centres import CentreResolution, centre_counters
from smartalloc.domain.contracts import MENTOR_TYPE_DUAL, MENTOR_TYPE_NORMAL, MENTOR_TYPE_SCHOOL
from smartalloc.domain.coverage import Keys, compute_coverage
from smartalloc.domain.eligibility import (
    EligibilityMatrix,
    MatrixRow,
    PoolDecision,
    PoolMentor,
    SideRow,
)
from smartalloc.domain.gc_pause import gc_paused
from smartalloc.domain.groups import GroupParser, group_names
from smartalloc.domain.normalize import clean_text, natural_key, parse_int
from smartalloc.domain.policy import Policy
from smartalloc.domain.pool import INVALID, build_pool
from smartalloc.domain.records import Crosswalk, MentorRecord, MentorReport, SchoolRecord
from smartalloc.domain.schools import SchoolDirectory, SchoolTokenKind


@dataclass(frozen=True, slots=True)
class MentorPlan:
    """What one mentor can produce: rows = groups × (Normal statuses + schools) × finance."""

    mentor: PoolMentor
    groups: tuple[int, ...]
    normal_alias: str | None              # None: no Normal rows
    schools: tuple[tuple[int, str], ...]  # resolved (code, name), slot order, unique
    normal_blocked: bool = False          # wants Normal rows but has no usable alias
    problem: str = ""                     # non-empty: the mentor cannot produce any row
    problem_value: str = ""               # the raw cell(s) behind the problem


def _order(side: SideRow) -> tuple:
    """Natural mentor order; a mentor's own rows keep their (deterministic) slot/token order."""
    return (natural_key(side.mentor_id), side.mentor_id, side.source_row)


class _Planner:
    def __init__(self, policy: Policy, parser: GroupParser, directory: SchoolDirectory):
        self.policy, self.parser, self.directory = policy, parser, directory
        self.unseen: list[SideRow] = []
        self.unmatched: list[SideRow] = []
        self.alias_fallback: list[str] = []
        self.invalid_tokens = 0

    def plan(self, m: PoolMentor, r: MentorRecord, report: bool) -> MentorPlan:
        """Build the plan; ``report`` records diagnostics (False for R0-blocked mentors)."""
        text = r.group_list or r.group_label
        parsed = self.parser.parse(text)
        if report:
            self.invalid_tokens += parsed.invalid_token_count
            self.unseen.extend(SideRow(m.mentor_id, m.name, m.manager, token,
                                       f"گروه «{token}» نه کد رسمی است نه برچسب شناخته‌شده",
                                       r.row) for token in parsed.unseen)
        label = clean_text(r.mentor_type)
        postal = parse_int(r.postal)
        alias_policy = self.policy.alias
        postal_ok = postal is not None and (
            alias_policy.postal_min <= postal <= alias_policy.postal_max)
        tokens = [self.directory.resolve(s) for s in r.school_slots]
        tokens = [t for t in tokens if t.kind is not SchoolTokenKind.EMPTY]  # never reported
        school_label = label in (MENTOR_TYPE_SCHOOL, MENTOR_TYPE_DUAL)
        wants_normal = postal_ok or label in (MENTOR_TYPE_NORMAL, MENTOR_TYPE_DUAL) or (
            bool(clean_text(r.postal)) and not school_label)
        wants_school = school_label or bool(tokens) or (r.school_count or 0) > 0
        alias, blocked = None, False
        if wants_normal and postal_ok:
            alias = str(postal)
        elif wants_normal and alias_policy.normal == "postal_or_fallback_mentor_id":
            alias = m.mentor_id
        elif wants_normal:
            blocked = True
        schools: dict[int, str] = {}
        for t in tokens:
            if t.ok and t.code is not None:
                schools.setdefault(t.code, self.directory.name_of(t.code))
            elif report:
                extra = (("kind", t.kind.value),
                         ("candidates", "، ".join(map(str, t.candidates))))
                self.unmatched.append(SideRow(m.mentor_id, m.name, m.manager, t.token,
                                              t.reason_fa, r.row, extra))
        problem, value = "", ""
        if not parsed.codes:
            problem, value = f"هیچ کد گروه معتبری ندارد («{text}»)", text
        elif not wants_normal and not wants_school:
            problem, value = "نوع پشتیبان معلوم نیست: نه کدپستی دارد نه مدرسه", r.mentor_type
        elif alias is None and not schools:
            slots = "، ".join(t.token for t in tokens)
            problem, value = ("هیچ مدرسهٔ معتبری ندارد", slots) if wants_school else (
                "کدپستی نامعتبر است و سیاست جایگزینی با کد کارمندی را نمی‌پذیرد", r.postal)
        if report and not problem and alias == m.mentor_id and not postal_ok:
            self.alias_fallback.append(m.mentor_id)
        return MentorPlan(m, parsed.codes, alias, tuple(schools.items()), blocked, problem,
                          value)


def plan_keys(plan: MentorPlan, policy: Policy, *, blocked_side: bool = False) -> set[Keys]:
    """Six-key groups of a plan (``blocked_side``: the Normal side it could not produce)."""
    m = plan.mentor
    normal = plan.normal_blocked if blocked_side else plan.normal_alias is not None
    sides = [(s, 0) for s in policy.normal_statuses] if normal else []
    if not blocked_side:
        sides += [(s, code) for code, _ in plan.schools for s in policy.school_statuses]
    return {(g, m.gender, s, m.center, f, school) for g in plan.groups for s, school in sides
            for f in policy.finance_variants}


RowKey = tuple


def keyed_rows(plan: MentorPlan, policy: Policy,
               names: Mapping[int, str]) -> list[tuple[RowKey, MatrixRow]]:
    """The rows of one plan (D3) with their A.3 sort key: Normal × normal_statuses (school 0),
    School × school_statuses (one per bound school), every row × finance variants."""
    m, out = plan.mentor, []
    mid_nat = natural_key(m.mentor_id)
    finance = tuple(dict.fromkeys(policy.finance_variants))
    sides: list[tuple[str, tuple, int, str, Sequence[int]]] = []
    if plan.normal_alias is not None:
        sides.append((plan.normal_alias, natural_key(plan.normal_alias), 0, "",
                      tuple(dict.fromkeys(policy.normal_statuses))))
    school_statuses = tuple(dict.fromkeys(policy.school_statuses))
    sides.extend((m.mentor_id, mid_nat, code, name, school_statuses) for code, name in plan.schools)
    for g in plan.groups:
        group_name = names.get(g, "")
        for alias, alias_nat, school, school_name, statuses in sides:
            for status, f in itertools.product(statuses, finance):
                row = MatrixRow(m.mentor_id, m.name, m.manager, alias, g, group_name, m.gender,
                                status, m.center, f, school, school_name, school != 0,
                                m.covered, m.capacity)
                out.append(((m.center, g, school, alias_nat, alias, mid_nat, m.mentor_id,
                             -status, f), row))
    return out


def sort_rows(keyed: list[tuple[RowKey, MatrixRow]]) -> list[MatrixRow]:
    """A.3 order: centre, group, school, alias (natural), mentor id, status desc, finance.

    The key holds the six join keys, the alias and the mentor id, so equal keys mean the same
    row: adjacent exact duplicates are dropped after sorting.
    """
    keyed.sort(key=itemgetter(0))
    out: list[MatrixRow] = []
    previous: tuple[RowKey, MatrixRow] | None = None
    for item in keyed:
        if previous is None or item[0] != previous[0] or item[1] != previous[1]:
            out.append(item[1])
        previous = item
    return out


@dataclass(frozen=True, slots=True)
class MatrixDraft:
    """The matrix of the mentors' side alone: everything but coverage, which counts the
    students' groups too. Drafted while the student report is still being read (issue P)."""

    rows: tuple[MatrixRow, ...]
    kept: tuple[PoolMentor, ...]
    decisions: tuple[PoolDecision, ...]
    removed: tuple[SideRow, ...]
    unmatched: tuple[SideRow, ...]
    unseen: tuple[SideRow, ...]
    invalid: tuple[SideRow, ...]
    viable: frozenset[Keys]
    blocked: frozenset[Keys]
    invalid_tokens: int
    validation: dict[str, object]
    r0_skipped: bool
    centres: CentreResolution


def build_matrix(report: MentorReport, schools: Sequence[SchoolRecord], policy: Policy, *,
                 crosswalk: Crosswalk | None = None, overrides: Mapping[str, bool] | None = None,
                 student_keys: Iterable[Keys] = ()) -> EligibilityMatrix:
    """Pool → plans → rows, side sheets, coverage and the validation counters."""
    draft = draft_matrix(report, schools, policy, crosswalk=crosswalk, overrides=overrides)
    return complete_matrix(draft, policy, student_keys)


def draft_matrix(report: MentorReport, schools: Sequence[SchoolRecord], policy: Policy, *,
                 crosswalk: Crosswalk | None = None,
                 overrides: Mapping[str, bool] | None = None) -> MatrixDraft:
    """Pool → plans → rows and side sheets: the matrix without the students' coverage."""
    with gc_paused():
        return _draft(report, schools, policy, crosswalk, overrides)


def _draft(report: MentorReport, schools: Sequence[SchoolRecord], policy: Policy,
           crosswalk: Crosswalk | None, overrides: Mapping[str, bool] | None) -> MatrixDraft:
    pool = build_pool(report, policy, overrides)
    planner = _Planner(policy, GroupParser(policy, crosswalk), SchoolDirectory(schools, policy))
    names = group_names(crosswalk)
    kept: list[PoolMentor] = []
    keyed: list[tuple[RowKey, MatrixRow]] = []
    invalid = list(pool.invalid)
    dropped: dict[str, str] = {}
    viable: set[Keys] = set()
    blocked: set[Keys] = set()
    for m in pool.pool:
        record = pool.records[m.mentor_id]
        plan = planner.plan(m, record, report=True)
        blocked |= plan_keys(plan, policy, blocked_side=True)  # Normal side without alias
        if plan.problem:
            dropped[m.mentor_id] = plan.problem
            invalid.append(SideRow(m.mentor_id, m.name, m.manager, plan.problem_value,
                                   plan.problem, m.source_row))
            continue
        kept.append(m)
        keyed.extend(keyed_rows(plan, policy, names))
        viable |= plan_keys(plan, policy)
    for m in pool.blocked:
        plan = planner.plan(m, pool.records[m.mentor_id], report=False)
        blocked |= plan_keys(plan, policy) | plan_keys(plan, policy, blocked_side=True)
    decisions = tuple(
        dataclasses.replace(d, status=INVALID, in_pool=False, reason_fa=dropped[d.mentor_id],
                            source="matrix")
        if d.in_pool and d.mentor_id in dropped else d for d in pool.decisions)
    ordered = sort_rows(keyed)
    validation = _validation(ordered, policy, pool.removed, invalid, pool.r0_skipped, kept,
                             planner.alias_fallback)
    return MatrixDraft(
        rows=tuple(ordered), kept=tuple(kept), decisions=decisions, removed=pool.removed,
        unmatched=tuple(sorted(planner.unmatched, key=_order)),
        unseen=tuple(sorted(planner.unseen, key=_order)),
        invalid=tuple(sorted(invalid, key=_order)), viable=frozenset(viable),
        blocked=frozenset(blocked), invalid_tokens=planner.invalid_tokens,
        validation=validation, r0_skipped=pool.r0_skipped, centres=pool.centres)


def complete_matrix(draft: MatrixDraft, policy: Policy,
                    student_keys: Iterable[Keys] = ()) -> EligibilityMatrix:
    """The draft with coverage, which counts the students' groups (``student_keys``)."""
    with gc_paused():
        coverage = compute_coverage(
            draft.viable, draft.blocked, (r.keys for r in draft.rows), student_keys,
            policy.coverage, invalid_group_token_count=draft.invalid_tokens,
            unmatched_school_count=len(draft.unmatched))
    validation = dict(draft.validation)
    validation.update({
        "coverage_ratio": coverage.coverage_ratio,
        "covered_groups": coverage.covered_groups,
        "coverage_denominator_groups": coverage.total_groups,
        "unseen_group_count": coverage.unseen_group_count,
        "invalid_group_token_count": coverage.invalid_group_token_count,
        "unmatched_school_count": coverage.unmatched_school_count,
        "coverage_denominator_mode": coverage.denominator_mode,
        "coverage_threshold": coverage.threshold,
        **centre_counters(draft.centres),
    })
    return EligibilityMatrix(
        rows=draft.rows, pool=draft.kept, pool_decisions=draft.decisions,
        removed_mentors=draft.removed, unmatched_schools=draft.unmatched,
        unseen_groups=draft.unseen, invalid_mentors=draft.invalid,
        coverage=coverage, validation=validation, r0_skipped=draft.r0_skipped,
        centres=draft.centres,
    )


def _validation(rows: list[MatrixRow], policy: Policy, removed: Sequence[SideRow],
                invalid: Sequence[SideRow], r0_skipped: bool, kept: Sequence[PoolMentor],
                alias_fallback: Sequence[str]) -> dict[str, object]:
    """The SSoT §10.2 counters, plus pool and alias counts."""
    finance = Counter(r.finance for r in rows)
    out: dict[str, object] = {
        "total_rows": len(rows),
        "distinct_supporters": len({r.mentor_id for r in rows}),
        "school_based_rows": sum(1 for r in rows if r.is_school_row),
    }
    for f in policy.finance_variants:
        out[f"finance_{f}_rows"] = finance.get(f, 0)
    out.update({
        "removed_mentors": len(removed),
        "r0_skipped": int(r0_skipped),
        "invalid_mentors": len(invalid),
        "pool_size": len(kept),
        "alias_fallback_count": len(alias_fallback),
        "alias_fallback_mentors": "، ".join(sorted(alias_fallback, key=natural_key)),
    })
    return out
