"""`generate_agency`: one self-contained synthetic agency folder (Part C contract).

Everything is drawn from one ``random.Random(seed)`` in a fixed order, so the same arguments
give byte-identical files (see ``writer``). Choices beyond the spec: history covers 5 % of
the batch (``history``), capacities are raised only where the fair share needs it
(``capacity``), and ``synthetic_manifest.json`` lists where every injected edge case sits.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from smartalloc.adapters.policy_file import write_policy
from smartalloc.adapters.xlsx_stream import write_xlsx
from smartalloc.domain.contracts import (
    INSPACTOR_COLUMNS,
    MANAGER_COLUMNS,
    MENTOR_TYPE_SCHOOL,
    SABT_COLUMNS,
    SCHOOL_COLUMNS,
    STUDENT_COLUMNS,
    STUDENT_SHEET,
    RosterCol,
)
from smartalloc.domain.policy import GovernanceEntry, MentorStatus, Policy
from smartalloc.synthetic.capacity import scale_capacities
from smartalloc.synthetic.counters import CodeBook, NationalIds, roster_rows
from smartalloc.synthetic.history import HISTORY_COLUMNS, history_rows
from smartalloc.synthetic.identities import make_identities
from smartalloc.synthetic.inspactor import inspactor_rows, vary_manager_names, venues
from smartalloc.synthetic.managers import Manager, centre_map, generate_managers, manager_rows
from smartalloc.synthetic.mentor_edges import FROZEN_ID, apply_edges
from smartalloc.synthetic.mentors import build_mentors, high_school_pools
from smartalloc.synthetic.schools import generate_schools, school_count, school_rows
from smartalloc.synthetic.student_keys import draw_keys
from smartalloc.synthetic.students import RowContext, student_rows
from smartalloc.synthetic.tables import MAPPING_COLUMNS, crosswalk_sheets, mapping_rows

AGENCY = 3570


@dataclass(frozen=True)
class GeneratedAgency:
    out_dir: Path
    inspactor: Path
    schools: Path
    managers: Path
    crosswalk: Path
    students: Path
    roster: Path
    history_seed: Path
    policy: Path
    students_count: int
    mentors_count: int
    seed: int
    manifest: Path | None = None  # synthetic_manifest.json: where each edge case sits


def generate_agency(out_dir: Path, *, students: int, mentors: int, seed: int, policy: Policy,
                    year: int = 1404, roster_conflict: bool = False,
                    name_variants: bool = False) -> GeneratedAgency:
    """Write the eight input files (+ a manifest) for ``students`` × ``mentors`` to ``out_dir``.
    ``name_variants``: spell a third of the Inspactor's manager names as the field does (ZWNJ
    dropped or spaced, Arabic ي/ك, bidi marks) — the policy keeps the plain names."""
    if students < 20 or mentors < 20:
        raise ValueError("the synthetic agency needs at least 20 students and 20 mentors")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    stamp = f"{year}_08_27-{AGENCY}"
    schools = generate_schools(rng, school_count(students, mentors))
    girls_high = high_school_pools(schools)[0]
    hub = next((s for s in girls_high if s.code >= 1000), girls_high[0])
    managers = generate_managers(rng, mentors, policy)
    mentor_list = build_mentors(rng, managers, schools, hub, venues(rng, len(managers)))
    edges, bound = apply_edges(rng, mentor_list, managers, schools, hub)
    keys = draw_keys(rng, students, schools, hub, bound)
    ids, book = NationalIds(rng), CodeBook(rng, policy.counters.sequence_digits)
    ident = make_identities(rng, keys, ids, book, year)
    roster, roster_max = roster_rows(rng, book, ids, ident.prior, ident.true_nid, year,
                                     roster_conflict)
    bound_codes = {s.code for g in bound for s in bound[g]}
    history, in_history = history_rows(rng, keys, ident, mentor_list, bound_codes, book, year)
    skip = set(keys.dup_of) | set(in_history)
    demand = Counter(keys.key(i) for i in range(students) if i not in skip)
    policy = agency_policy(policy, managers)
    capacity = scale_capacities(mentor_list, demand, schools, policy)

    paths = {
        "inspactor": out / f"InspactorReport-{stamp}.xlsx",
        "schools": out / f"SchoolReport-{stamp}.xlsx",
        "managers": out / f"ManagerReport-{stamp}.xlsx",
        "crosswalk": out / "Crosswalk.xlsx",
        "students": out / f"StudentReport-{stamp}.xlsx",
        "roster": out / "roster.xlsx",
        "history_seed": out / "history_seed.xlsx",
        "policy": out / "policy.json",
    }
    ctx = _row_context(rng, students, year, schools, mentor_list)
    mentor_rows = inspactor_rows(mentor_list)
    varied = vary_manager_names(mentor_rows, random.Random(f"{seed}-manager-names"),
                                INSPACTOR_COLUMNS.index("نام مدیر")) if name_variants else 0
    write_xlsx(paths["inspactor"], [(f"InspactorList{AGENCY}", INSPACTOR_COLUMNS, mentor_rows)])
    write_xlsx(paths["schools"], [(f"SchoolList{AGENCY}", SCHOOL_COLUMNS,
                                   school_rows(rng, schools))])
    write_xlsx(paths["managers"], [(f"ManagerList{AGENCY}", MANAGER_COLUMNS,
                                    manager_rows(rng, managers))])
    write_xlsx(paths["crosswalk"], crosswalk_sheets())
    write_xlsx(paths["roster"], [("شمارنده", (RosterCol.CODE, RosterCol.NATIONAL_ID), roster)])
    write_xlsx(paths["history_seed"], [("history", HISTORY_COLUMNS, history)])
    write_xlsx(paths["students"], [
        (STUDENT_SHEET, STUDENT_COLUMNS, student_rows(rng, keys, ident, ctx)),
        ("Sheet1", MAPPING_COLUMNS, mapping_rows(SABT_COLUMNS)),
    ])
    write_policy(paths["policy"], policy)
    manifest = out / "synthetic_manifest.json"
    manifest.write_text(json.dumps({
        "seed": seed, "students": students, "mentors": mentors, "year": year,
        "hub_school": hub.code, "roster_max_sequence": roster_max, "capacity": capacity,
        "mentor_edges": {k: [m.mid for m in v] for k, v in sorted(edges.items())},
        "student_edges": {k: [i + 2 for i in v] for k, v in
                          sorted({**keys.injected, **ident.edges}.items())},
        "history_rows": len(history),
        **({"manager_name_variants": varied} if name_variants else {}),
    }, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return GeneratedAgency(out, paths["inspactor"], paths["schools"], paths["managers"],
                           paths["crosswalk"], paths["students"], paths["roster"],
                           paths["history_seed"], paths["policy"], students, mentors, seed,
                           manifest)


def agency_policy(policy: Policy, managers: list[Manager]) -> Policy:
    """The agency's own policy, as `smartalloc setup` and its operator would leave it: every
    manager mapped to its centre, and the frozen scenario mentor (the shipped policy holds no
    sample governance, D16). Written as ``policy.json``; ``run --agency`` uses it."""
    governance = policy.mentor_pool_governance
    mentors = {str(FROZEN_ID): GovernanceEntry(
        status=MentorStatus.FROZEN, reason="منجمد به تصمیم مدیر نمایندگی (نمونه)",
        changed_by="policy"), **governance.mentors}
    return policy.model_copy(update={
        "center_manager_map": {**centre_map(managers), **policy.center_manager_map},
        "mentor_pool_governance": governance.model_copy(update={"mentors": mentors})})


def _row_context(rng: random.Random, n: int, year: int, schools, mentors) -> RowContext:
    aliases = [m.postal for m in mentors if len(m.postal) == 4]
    aliases += [str(m.mid) for m in mentors if m.mtype == MENTOR_TYPE_SCHOOL and m.mid]
    window = rng.randint(4, 10) * 86400
    offsets = sorted(rng.sample(range(window), n))
    return RowContext(year, {s.code: s for s in schools}, aliases,
                      [m.name for m in mentors], offsets, 17)
