"""The policy's ``intake`` section (issue L): how live Gravity Forms entries become rows of the
student report, which sites may send them, and what happens to them on arrival.

Its own module so that ``policy`` stays about allocation rules; ``Policy.content_hash`` leaves
this section out, because nothing here changes who gets which mentor — renaming a source's
secret variable must not give the weekly batch a new policy stamp (and a new run id).
Every rule is checked when the policy is loaded, so a wrong map stops the service at start-up
with a bilingual message instead of refusing students one by one.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from smartalloc.domain.contracts import STUDENT_COLUMNS, STUDENT_REQUIRED
from smartalloc.domain.contracts import StudentCol as C

FIELD_ID = re.compile(r"^\d{1,4}(\.\d{1,2})?$")   # "92", or "1.3" for a name's sub-field
MODES = ("queued", "now")
KNOWN_COLUMNS = frozenset(STUDENT_COLUMNS)
NATIONAL_IDS = (C.NATIONAL_ID, C.NATIONAL_ID_2)
# Spec A.14: the ids the agency's form uses today; every other column is mappable.
A14_FIELDS = {C.PRIOR_CODE: "46", C.GENDER: "92", C.FINANCE: "75", C.GROUP: "73",
              C.SCHOOL: "30"}
A14_VALUES = {C.GENDER: {"زن": "0", "دختر": "0", "مرد": "1", "پسر": "1"}}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GravityFormsMap(_Strict):
    fields: dict[str, str] = Field(default_factory=lambda: dict(A14_FIELDS), description=(
        "Student-report column (Sabt (5) spelling) → Gravity Forms field id (\"92\", \"1.3\")"))
    values: dict[str, dict[str, str]] = Field(default_factory=lambda: {
        k: dict(v) for k, v in A14_VALUES.items()}, description=(
        "Column → {answer as the form sends it → value the student report holds}; answers "
        "are compared after the readers' cleaning (digits, ی/ک, spaces)"))
    constants: dict[str, str] = Field({}, description=(
        "Column → value for every entry (e.g. the centre of a site that serves one centre)"))
    ignored_fields: list[str] = Field([], description=(
        "Field ids the form has but the student report does not need (consent boxes…); any "
        "other unmapped field id with a value is refused, so a new form field is noticed"))

    @model_validator(mode="after")
    def _consistent(self) -> GravityFormsMap:
        for column in [*self.fields, *self.values, *self.constants]:
            if column not in KNOWN_COLUMNS:
                raise ValueError(f"ستون «{column}» در گزارش دانش‌آموزان نیست / «{column}» is "
                                 "not a column of the student report (Sabt (5))")
        seen: dict[str, str] = {}
        for column, field_id in self.fields.items():
            if not FIELD_ID.match(field_id):
                raise ValueError(f"شناسه فیلد «{field_id}» نامعتبر است / field id "
                                 f"«{field_id}» is not a Gravity Forms id such as 92 or 1.3")
            if field_id in seen:
                raise ValueError(f"فیلد {field_id} به دو ستون «{seen[field_id]}» و «{column}» "
                                 f"نگاشته شده / field {field_id} is mapped to two columns")
            seen[field_id] = column
        for field_id in self.ignored_fields:
            if field_id in seen or not FIELD_ID.match(field_id):
                raise ValueError(f"فیلد نادیده «{field_id}» نامعتبر یا نگاشته‌شده است / "
                                 f"ignored field «{field_id}» is not an id or is mapped")
        both = set(self.fields) & set(self.constants)
        if both:
            raise ValueError(f"ستون‌های {sorted(both)} هم فیلد دارند هم مقدار ثابت / these "
                             "columns have both a field and a constant")
        return self

    def missing_required(self) -> list[str]:
        """Columns the batch requires that neither a field nor a constant provides."""
        given = set(self.fields) | set(self.constants)
        missing = [c for c in STUDENT_REQUIRED if c not in given]
        if not any(c in self.fields for c in NATIONAL_IDS):
            missing.append(C.NATIONAL_ID)
        return missing


class IntakeSource(_Strict):
    secret_env: str = Field(pattern=r"^[A-Z][A-Z0-9_]{2,63}$", description=(
        "Environment variable (or the same name in lower case in smartalloc.toml) holding "
        "this site's secret; never the secret itself"))


class IntakePolicy(_Strict):
    mode: str = Field("queued", description=(
        "queued: stored and handed to the next batch (`smartalloc intake export`); now: "
        "allocated on arrival against the latest run's reports and the live seats (an entry "
        "that finds no mentor is queued for the next batch)"))
    gravity_forms: GravityFormsMap = GravityFormsMap()
    sources: dict[str, IntakeSource] = Field({}, description=(
        "Site name → its secret's reference; none = intake is off"))

    @field_validator("mode")
    @classmethod
    def _known(cls, mode: str) -> str:
        if mode not in MODES:
            raise ValueError(f"حالت «{mode}» شناخته نیست؛ «queued» یا «now» / mode «{mode}» is "
                             "not known; use «queued» or «now»")
        return mode

    @model_validator(mode="after")
    def _usable(self) -> IntakePolicy:
        for name in self.sources:
            if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,31}", name):
                raise ValueError(f"نام منبع «{name}» نامعتبر است / source name «{name}» must be "
                                 "lower-case letters, digits, - or _")
        envs = [s.secret_env for s in self.sources.values()]
        if len(set(envs)) != len(envs):
            raise ValueError("دو منبع یک رمز مشترک دارند / two sources share one secret")
        missing = self.gravity_forms.missing_required() if self.sources else []
        if missing:
            raise ValueError(f"ستون‌های لازم {missing} فیلد یا مقدار ثابت ندارند / the "
                             "required columns listed have no field and no constant")
        return self
