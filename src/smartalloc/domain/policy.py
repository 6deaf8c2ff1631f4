"""The policy: every rule the spec calls configurable, validated by Pydantic (Policy-First).

Nothing here reads a file: ``load_policy_mapping`` turns an already parsed mapping into a
``Policy`` or a ``PolicyError`` that names the bad key and value. The JSON Schema shipped with
the project is generated from these models.
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from smartalloc.domain.contracts import JOIN_KEYS
from smartalloc.domain.errors import Location, PolicyError, Problem
from smartalloc.domain.intake_policy import IntakePolicy

DEFAULT_CENTRE_KEY = "*"  # the manager → centre map's explicit default (D16)
OFFICIAL_GROUP_CODES: tuple[int, ...] = (
    1, 3, 5, 7, 8, 9, 11, 12, 14, 17, 18, 21, 22, 23, 24, 25, 26, 27, 29, 30, 31, 33, 35, 41, 43,
    45, 46, 53, 55, 66, 69, 83, 89,
)


class RankingRule(StrEnum):
    MIN_OCCUPANCY_RATIO = "min_occupancy_ratio"
    MIN_ALLOCATIONS_NEW = "min_allocations_new"
    MIN_MENTOR_ID = "min_mentor_id"
    MIN_LOAD_RATIO = "min_load_ratio"
    MAX_REMAINING_CAPACITY = "max_remaining_capacity"


class MentorStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    FROZEN = "frozen"
    RESTRICTED = "restricted"


class Channel(StrEnum):
    SCHOOL = "SCHOOL"
    GOLESTAN = "GOLESTAN"
    SADRA = "SADRA"
    GENERIC = "GENERIC"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GenderCode(_Strict):
    code: int = Field(description="Join-key value of جنسیت")
    label: str = Field(description="Label in the Inspactor report, e.g. دختر / پسر")
    school_label: str = Field(description="SchoolReport label, e.g. دخترانه / پسرانه")
    counter_mid: str = Field(pattern=r"^\d{3}$", description="Middle 3 digits of the registration code")


class CapacityPolicy(_Strict):
    default_capacity: int = Field(60, ge=0, description="تعداد تحت پوشش خاص when empty")
    default_covered: int = Field(0, ge=0, description="تعداد داوطلبان تحت پوشش when empty")
    r0_enabled: bool = Field(True, description="R0 gate: keep a mentor only if covered < capacity")


class AliasPolicy(_Strict):
    postal_min: int = 1000
    postal_max: int = 9999
    normal: Literal["postal_or_fallback_mentor_id", "postal_only"] = "postal_or_fallback_mentor_id"


class VirtualMentorPolicy(_Strict):
    alias_ranges: list[tuple[int, int]] = [(7000, 7999)]
    name_patterns: list[str] = [r"در\s+انتظار\s+تخصیص", "فراگیر"]
    exclude_from_pool: bool = Field(False, description="Drop placeholder mentors from the pool")


class GovernanceEntry(_Strict):
    status: MentorStatus
    reason: str = Field(min_length=1)
    allowed_schools: list[int] = []
    allowed_channels: list[Channel] = []
    changed_by: str = ""
    changed_at: str = ""


class MentorPoolGovernance(_Strict):
    default_status: MentorStatus = MentorStatus.ACTIVE
    mentors: dict[str, GovernanceEntry] = {}
    managers: dict[str, GovernanceEntry] = Field(
        {}, description="Manager name → status applied to all of its mentors"
    )


class ChannelRule(_Strict):
    channel: Channel
    centers: list[int] = []
    school_codes: list[int] = []
    school_bound: bool = Field(False, description="Student's school has school-mentor rows")


class ChannelPolicy(_Strict):
    rules: list[ChannelRule] = [
        ChannelRule(channel=Channel.SCHOOL, school_bound=True),
        ChannelRule(channel=Channel.GOLESTAN, centers=[1]),
        ChannelRule(channel=Channel.SADRA, centers=[2]),
    ]
    default: Channel = Channel.GENERIC


class CoveragePolicy(_Strict):
    denominator_mode: Literal["mentors", "mentors_students_intersection", "mentors_students_union"] = "mentors"
    include_blocked_candidates_in_denominator: bool = False
    threshold: float = Field(0.95, ge=0, le=1)


class DedupePolicy(_Strict):
    reuse_code_for_returning: bool = True
    skip_previously_allocated: bool = Field(
        True, description="A national id already in history is reported as DUPLICATE, not re-allocated"
    )


class SabtPolicy(_Strict):
    landline_prefixes: list[str] = ["3", "5"]
    hekmat_empty_landline: str = "00000000000"
    hekmat_tracking_code: str = Field("1111111111111111", pattern=r"^\d{16}$")
    hekmat_package_default: str = "آزمون"
    contact1_relation: str = "1"
    contact2_relation: str = "2"
    school_city_code: str = "4001"


class CounterPolicy(_Strict):
    year_offset: int = Field(1350, description="YY = academic year − year_offset")
    sequence_digits: int = Field(4, ge=1, le=6)


class ExcelPolicy(_Strict):
    font_name: str = "Tahoma"
    font_size: int = 8
    right_to_left: bool = True


class Policy(_Strict):
    """The whole rule set; ``stamp`` identifies it in every output."""

    version: str = Field(min_length=1)
    ssot_version: str = "1.0.2"
    join_keys: list[str]
    official_group_codes: list[int] = list(OFFICIAL_GROUP_CODES)
    group_buckets: dict[str, list[int]] = {}
    ranking: list[RankingRule]
    center_manager_map: dict[str, int] = Field({}, description=(
        "Manager name (as in the InspactorReport; ZWNJ, spaces and ي/ك do not matter) → centre. "
        "The key \"*\" is the explicit default for managers not listed; without it every "
        "manager must be listed (D16). `smartalloc setup` writes this map."))
    default_center: int | None = Field(None, description=(
        "Older spelling of center_manager_map[\"*\"]; null = no default"))
    center_ids: list[int] = [0, 1, 2]
    finance_variants: list[int] = [0, 1, 3]
    normal_statuses: list[int] = [1, 0]
    school_statuses: list[int] = [1]
    genders: dict[Literal["girl", "boy"], GenderCode]
    academic_year: int = Field(1404, ge=1360, le=1499, description="Jalali academic year")
    can_allocate_truthy: list[str] = ["بلی", "بله", "Yes", "yes", "1", "true", "True"]
    apply_can_allocate_filter: bool = True
    apply_inactive_flag: bool = True
    capacity: CapacityPolicy = CapacityPolicy()
    alias: AliasPolicy = AliasPolicy()
    virtual_mentors: VirtualMentorPolicy = VirtualMentorPolicy()
    mentor_pool_governance: MentorPoolGovernance = MentorPoolGovernance()
    channels: ChannelPolicy = ChannelPolicy()
    coverage: CoveragePolicy = CoveragePolicy()
    dedupe: DedupePolicy = DedupePolicy()
    sabt: SabtPolicy = SabtPolicy()
    counters: CounterPolicy = CounterPolicy()
    excel: ExcelPolicy = ExcelPolicy()
    column_aliases: dict[str, list[str]] = {}
    intake: IntakePolicy = IntakePolicy()   # live Gravity Forms entries (issue L)

    @field_validator("join_keys")
    @classmethod
    def _six_keys(cls, keys: list[str]) -> list[str]:
        if len(keys) != 6 or set(keys) != set(JOIN_KEYS):
            raise ValueError(f"join_keys must be exactly the six keys {list(JOIN_KEYS)}")
        return keys

    @field_validator("ranking")
    @classmethod
    def _ranking(cls, rules: list[RankingRule]) -> list[RankingRule]:
        if not rules or len(set(rules)) != len(rules):
            raise ValueError("ranking must be a non-empty list without repeats")
        return rules

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        for manager, center in self.center_manager_map.items():
            if center not in self.center_ids:
                raise ValueError(f"center_manager_map[{manager!r}] = {center} is not one of "
                                 f"center_ids {self.center_ids}")
        if self.default_center is not None and self.default_center not in self.center_ids:
            raise ValueError(f"default_center = {self.default_center} is not one of center_ids "
                             f"{self.center_ids}")
        star = self.center_manager_map.get(DEFAULT_CENTRE_KEY)
        if None not in (star, self.default_center) and star != self.default_center:
            raise ValueError(f"center_manager_map[\"*\"] = {star} and default_center = "
                             f"{self.default_center} disagree; keep one of them")
        if {g.code for g in self.genders.values()} != {0, 1}:
            raise ValueError("genders must map girl and boy to the codes 0 and 1")
        return self

    # --- derived helpers -------------------------------------------------------------------
    @property
    def stamp(self) -> str:
        """``version+hash``: the version and a short hash of the exact content."""
        return f"{self.version}+{self.content_hash[:10]}"

    @property
    def content_hash(self) -> str:
        # intake (issue L) decides how entries arrive, not who gets which mentor: outside
        canonical = json.dumps(self.model_dump(mode="json", exclude={"intake"}), sort_keys=True,
                               ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_policy_mapping(data: Any, source: str = "policy.json") -> Policy:
    """Validate a parsed policy; every error names the key path and the offending value."""
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            path = ".".join(str(p) for p in err["loc"])
            if not path:  # a rule across keys: its message names the key and the value
                problems.append(Problem("POLICY_INVALID", f"سیاست نامعتبر است: {err['msg']}",
                                        f"policy is invalid: {err['msg']}", Location(file=source)))
                continue
            shown = json.dumps(err.get("input"), ensure_ascii=False, default=str)
            if len(shown) > 120:
                shown = shown[:117] + "..."
            problems.append(Problem(
                "POLICY_INVALID",
                f"کلید «{path}» در سیاست نامعتبر است: مقدار {shown} — {err['msg']}",
                f"policy key '{path}' is invalid: value {shown} — {err['msg']}",
                Location(file=source, column=path),
            ))
        raise PolicyError(problems) from None
