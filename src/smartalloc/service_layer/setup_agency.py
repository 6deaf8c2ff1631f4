"""Use case: an agency's set-up — which centre each manager belongs to, which academic year the
reports are for — turned into the agency's own policy (issue G, D16, FR-44).

The operator answers; nothing here guesses a centre. The result is an ordinary policy file, so
`run --agency DIR` picks it up and every run's meta carries its stamp.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from smartalloc.domain.academic_year import YearEvidence, infer_year
from smartalloc.domain.agency_profile import AgencyProfile
from smartalloc.domain.centres import CentreMap, CentreResolution, resolve_centres
from smartalloc.domain.errors import ConfigurationError, NotFoundError, Problem
from smartalloc.domain.policy import DEFAULT_CENTRE_KEY, Policy, load_policy_mapping
from smartalloc.service_layer.governance import policy_in_force
from smartalloc.service_layer.ports import HistoryStore, ProfileStore, SetupReader
from smartalloc.service_layer.service_ports import JobBook


@dataclass(frozen=True)
class AgencySetup:
    """What the operator is shown: every manager with its centre as the base policy has it,
    and the academic year as the roster and the file names say."""

    centres: CentreResolution
    year: YearEvidence


def describe_agency(inspactor: Path, roster: Path | None, policy: Policy, *,
                    reader: SetupReader, file_names: tuple[str, ...] = ()) -> AgencySetup:
    report = reader.mentors(inspactor, policy)
    codes = [e.code for e in reader.roster(roster)] if roster is not None else []
    names = (inspactor.name, *((roster.name,) if roster is not None else ()), *file_names)
    return AgencySetup(resolve_centres(report.records, CentreMap(policy)),
                       infer_year(policy, codes, names))


def agency_policy(policy: Policy, centres: Mapping[str, int], year: int, *,
                  default: int | None = None, source: str = "setup") -> Policy:
    """The base policy with the agency's manager → centre map (each manager by name, and the
    explicit ``*`` default only when one is given) and academic year, validated as any policy
    file is."""
    mapping = {name: centre for name, centre in centres.items() if name != DEFAULT_CENTRE_KEY}
    if default is not None:
        mapping[DEFAULT_CENTRE_KEY] = default
    data = policy.model_dump(mode="json")
    data.update(center_manager_map=mapping, default_center=None, academic_year=year)
    return load_policy_mapping(data, source)


def save_profile(policy: Policy, store: ProfileStore, *, by: str, at: str,
                 reason: str) -> AgencyProfile:
    """Store the agency's profile as a new audited version; runs whose policy names no manager
    use the newest one from then on."""
    if not reason.strip():
        raise ConfigurationError(Problem("REASON_REQUIRED", "دلیل تغییر لازم است",
                                         "a reason for the change is required"))
    return store.save(AgencyProfile.of(policy, changed_by=by, changed_at=at,
                                       reason=reason.strip()))


def describe_upload(file_id: str, *, jobs: JobBook, upload: Callable[[str], Path],
                    policy: Policy, history: HistoryStore, reader: SetupReader) -> AgencySetup:
    """The set-up view of an uploaded InspactorReport: its managers under the policy in force,
    and the year as the newest uploaded roster and the upload's own file name say."""
    path = upload(file_id)
    if not path.is_file():
        raise NotFoundError(Problem("UPLOAD_NOT_FOUND", "فایلی با این شناسه بارگذاری نشده است",
                                    "no uploaded file with this id"))
    policy = policy_in_force(policy, history)[0]
    uploaded = jobs.get(file_id)          # the name it was uploaded with carries the date
    named = ((uploaded.result or {}).get("filename", ""),) if uploaded is not None else ()
    roster_job = jobs.latest("import:roster")   # the codes say which year is running
    roster = upload(roster_job.result["file_id"]) \
        if roster_job is not None and roster_job.result else None
    roster = roster if roster is not None and roster.is_file() else None
    return describe_agency(path, roster, policy, reader=reader, file_names=named)


def set_profile(base: Policy, centres: Mapping[str, int], year: int, *, store: ProfileStore,
                by: str, at: str, reason: str) -> AgencyProfile:
    """The agency's answers (managers → centres, the year) as a new audited profile version."""
    policy = agency_policy(base, centres, year, source="agency profile")
    return save_profile(policy, store, by=by, at=at, reason=reason)
