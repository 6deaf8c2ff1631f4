"""BuildMentorPool and the R0 capacity gate (spec step 2, D5, D7, FR-MENT, FR-26..31).

Order: invalid rows → policy governance (frozen is absolute) → Inspactor flags (`غیر فعال`,
`امکان جذب دانش آموز`) and governance `inactive` → per-run overrides → R0. Every mentor of
the file gets exactly one ``PoolDecision`` with a Persian reason, so QA can prove that no
mentor disappeared silently (FR-MENT-08).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from smartalloc.domain import glossary
from smartalloc.domain.centres import NO_CENTRES, CentreMap, CentreResolution, resolve_centres
from smartalloc.domain.eligibility import PoolDecision, PoolMentor, SideRow
from smartalloc.domain.normalize import clean_text, match_key, name_key, natural_key, parse_int
from smartalloc.domain.policy import GovernanceEntry, MentorStatus, Policy, VirtualMentorPolicy
from smartalloc.domain.records import MentorRecord, MentorReport

ACTIVE, INACTIVE, FROZEN = MentorStatus.ACTIVE, MentorStatus.INACTIVE, MentorStatus.FROZEN
RESTRICTED = MentorStatus.RESTRICTED
REMOVED_R0, INVALID = "removed_r0", "invalid"


@dataclass(frozen=True, slots=True)
class PoolResult:
    pool: tuple[PoolMentor, ...]               # natural mentor-id order
    decisions: tuple[PoolDecision, ...]        # one per Inspactor row, natural id then row
    removed: tuple[SideRow, ...]               # governance, flags, overrides and R0
    invalid: tuple[SideRow, ...]               # empty/duplicate id, unknown gender
    r0_skipped: bool
    records: Mapping[str, MentorRecord] = field(default_factory=dict)  # valid unique ids
    blocked: tuple[PoolMentor, ...] = ()       # passed governance but removed by R0
    unknown_overrides: tuple[str, ...] = ()    # override ids that are not in the file
    centres: CentreResolution = NO_CENTRES  # each manager's centre and how (D16)


class _Governance:
    """Effective governance status of a mentor: frozen wins, then mentor entry, manager, default."""

    def __init__(self, policy: Policy):
        gov = policy.mentor_pool_governance
        self.default = gov.default_status
        self.mentors = {clean_text(k): v for k, v in gov.mentors.items()}
        self.managers = {name_key(k): v for k, v in gov.managers.items()}
        self.version = policy.version

    def status(self, mentor_id: str,
               manager_key: str) -> tuple[MentorStatus, GovernanceEntry | None]:
        own, boss = self.mentors.get(mentor_id), self.managers.get(manager_key)
        frozen = next((e for e in (own, boss) if e is not None and e.status is FROZEN), None)
        if frozen is not None:
            return FROZEN, frozen
        entry = own or boss
        return (entry.status, entry) if entry else (self.default, None)

    def reason(self, status: MentorStatus, entry: GovernanceEntry | None) -> str:
        """In the operators' words (issue J: it read "FROZEN (Policy v1.0.3)")."""
        why = entry.reason if entry else "وضعیت پیش‌فرض سیاست"
        return f"{glossary.fa(glossary.MENTOR_STATUSES, status.value)} در سیاست (نسخهٔ {self.version}): {why}"


def in_virtual_range(alias: str, virtual: VirtualMentorPolicy) -> bool:
    """Whether ``alias`` (the mentor's postal alias) is in one of the policy's placeholder
    ranges (D17)."""
    number = parse_int(alias)
    return number is not None and any(lo <= number <= hi for lo, hi in virtual.alias_ranges)


def is_placeholder(name: str, alias: str, virtual: VirtualMentorPolicy) -> bool:
    """A placeholder mentor (D17) by the pool's own test: a name matching one of the policy's
    patterns, or an alias in one of its ranges. For readers that see a mentor's name and alias
    but not its report row (the review list); the pool applies the same two tests."""
    return (any(re.search(p, name) for p in virtual.name_patterns)
            or in_virtual_range(alias, virtual))


class _Builder:
    def __init__(self, report: MentorReport, policy: Policy, overrides: Mapping[str, bool]):
        self.policy, self.gov = policy, _Governance(policy)
        self.overrides = {clean_text(k): bool(v) for k, v in overrides.items()}
        self.truthy = {clean_text(t) for t in policy.can_allocate_truthy}
        self.truthy |= {match_key(t) for t in policy.can_allocate_truthy}
        self.genders = {match_key(g.label): g.code for g in policy.genders.values()}
        self.virtual_names = [re.compile(p) for p in policy.virtual_mentors.name_patterns]
        self.centres = CentreMap(policy)
        # ``match_key`` remembered for this build: labels and managers repeat on every row
        self.key = functools.cache(match_key)
        cap = policy.capacity
        self.r0_skipped = not cap.r0_enabled or not (
            report.has_covered_column or report.has_capacity_column)
        self.pool: list[PoolMentor] = []
        self.blocked: list[PoolMentor] = []
        self.decisions: list[PoolDecision] = []
        self.removed: list[SideRow] = []
        self.invalid: list[SideRow] = []
        self.records: dict[str, MentorRecord] = {}

    def truthy_value(self, value: str) -> bool:
        return value in self.truthy or self.key(value) in self.truthy

    def is_virtual(self, r: MentorRecord) -> bool:
        if any(p.search(r.name) for p in self.virtual_names):
            return True
        return in_virtual_range(r.postal, self.policy.virtual_mentors)

    def decide(self, r: MentorRecord, mid: str, status: str, in_pool: bool, reason: str,
               source: str) -> None:
        self.decisions.append(PoolDecision(mid, r.name, r.manager, status, in_pool, reason,
                                           source, r.row))

    def reject_invalid(self, r: MentorRecord, mid: str, value: str, reason: str) -> None:
        self.decide(r, mid, INVALID, False, reason, "inspactor")
        self.invalid.append(SideRow(mid, r.name, r.manager, value, reason, r.row))

    def remove(self, r: MentorRecord, m: PoolMentor, status: str, reason: str, source: str) -> None:
        self.decide(r, m.mentor_id, status, False, reason, source)
        extra = (("status", status), ("source", source), ("covered", m.covered),
                 ("capacity", m.capacity), ("schools_raw", "، ".join(s for s in r.school_slots
                                                                      if s and s != "0")),
                 ("groups_raw", r.group_list or r.group_label))
        self.removed.append(SideRow(m.mentor_id, r.name, r.manager, status, reason, r.row, extra))

    def add(self, r: MentorRecord) -> None:
        mid = clean_text(r.mentor_id)
        if not mid:
            return self.reject_invalid(r, mid, r.mentor_id, "کد کارمندی پشتیبان خالی است")
        if mid in self.records:
            first = self.records[mid].row
            return self.reject_invalid(
                r, mid, mid, f"کد کارمندی پشتیبان تکراری است؛ ردیف {first} نگه داشته شد")
        gender = self.genders.get(self.key(r.gender_label))
        if gender is None:
            return self.reject_invalid(r, mid, r.gender_label,
                                       f"جنسیت «{r.gender_label}» شناخته نیست (دختر/پسر)")
        self.records[mid] = r
        cap = self.policy.capacity
        status, entry = self.gov.status(mid, self.centres.key(r.manager))
        mentor = PoolMentor(
            mid, r.name, r.manager, gender, self.centres.centre(r.manager),
            cap.default_capacity if r.capacity is None else r.capacity,
            cap.default_covered if r.covered is None else r.covered,
            RESTRICTED if status is RESTRICTED else ACTIVE,
            tuple(entry.allowed_schools) if status is RESTRICTED and entry else (),
            tuple(entry.allowed_channels) if status is RESTRICTED and entry else (),
            self.is_virtual(r), r.row)
        override = self.overrides.get(mid)
        if status is FROZEN:  # absolute: neither the file nor an override can bring it back
            note = "؛ استثنای فعال‌سازی این اجرا نادیده گرفته شد" if override else ""
            return self.remove(r, mentor, FROZEN, self.gov.reason(FROZEN, entry) + note, "policy")
        drop = self.inactive_reason(r, mentor, status, entry)
        if override is False and drop is None:
            drop = ("override", "OVERRIDE: برای این اجرا غیرفعال شد")
        if drop is not None and override is not True:
            return self.remove(r, mentor, INACTIVE, drop[1], drop[0])
        source, reason = ("override", f"OVERRIDE: برای این اجرا فعال شد (پیش‌تر: {drop[1]})") \
            if drop is not None else ("policy", "")
        if not self.r0_skipped and mentor.covered >= mentor.capacity:
            self.blocked.append(mentor)
            why = (f"R0: تعداد داوطلبان تحت پوشش ({mentor.covered}) ≥ "
                   f"تعداد تحت پوشش خاص ({mentor.capacity})")
            return self.remove(r, mentor, REMOVED_R0, why, "r0")
        if status is RESTRICTED and not reason:
            reason = self.gov.reason(RESTRICTED, entry)
        self.pool.append(mentor)
        self.decide(r, mid, mentor.status.value, True, reason, source)
        return None

    def inactive_reason(self, r: MentorRecord, m: PoolMentor, status: MentorStatus,
                        entry: GovernanceEntry | None) -> tuple[str, str] | None:
        """Why an otherwise valid mentor is inactive (source, reason), or None."""
        if status is INACTIVE:
            return "policy", self.gov.reason(INACTIVE, entry)
        if self.policy.apply_inactive_flag and r.inactive and self.truthy_value(r.inactive):
            return "inspactor", f"«غیر فعال» = «{r.inactive}» در گزارش پشتیبان"
        if (self.policy.apply_can_allocate_filter and r.can_allocate
                and not self.truthy_value(r.can_allocate)):
            return "inspactor", f"«امکان جذب دانش آموز» = «{r.can_allocate}» در گزارش پشتیبان"
        if m.is_virtual and self.policy.virtual_mentors.exclude_from_pool:
            return "policy", f"پشتیبان مجازی (جایگاه خالی) طبق سیاست v{self.policy.version} حذف شد"
        return None


def _order(mentor_id: str, row: int) -> tuple:
    return (natural_key(mentor_id), mentor_id, row)


def build_pool(report: MentorReport, policy: Policy,
               overrides: Mapping[str, bool] | None = None) -> PoolResult:
    """Every Inspactor mentor → kept (``pool``) or dropped with a status and reason."""
    builder = _Builder(report, policy, overrides or {})
    for record in sorted(report.records, key=lambda r: r.row):  # lower row wins a duplicate id
        builder.add(record)
    unknown = sorted(set(builder.overrides) - set(builder.records), key=lambda k: _order(k, 0))
    return PoolResult(
        pool=tuple(sorted(builder.pool, key=lambda m: _order(m.mentor_id, m.source_row))),
        decisions=tuple(sorted(builder.decisions, key=lambda d: _order(d.mentor_id, d.source_row))),
        removed=tuple(sorted(builder.removed, key=lambda s: _order(s.mentor_id, s.source_row))),
        invalid=tuple(sorted(builder.invalid, key=lambda s: _order(s.mentor_id, s.source_row))),
        r0_skipped=builder.r0_skipped, records=builder.records,
        blocked=tuple(sorted(builder.blocked, key=lambda m: _order(m.mentor_id, m.source_row))),
        unknown_overrides=tuple(unknown),
        centres=resolve_centres(report.records, builder.centres),
    )
