"""What a run derives from its inputs and the history store: its id, the matrix, and the
seats earlier runs on the same mentor report already used."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence

from smartalloc.domain.academic_year import infer_year, year_check
from smartalloc.domain.centres import centre_problems, student_centre_counts
from smartalloc.domain.eligibility import EligibilityMatrix
from smartalloc.domain.errors import ConfigurationError
from smartalloc.domain.matrix import MatrixDraft, complete_matrix, draft_matrix
from smartalloc.domain.policy import Policy
from smartalloc.domain.records import HistoryEntry, Inputs
from smartalloc.service_layer.ports import HistoryStore


def run_id_for(inputs: Inputs, policy: Policy, year: int, overrides: Mapping[str, bool]) -> str:
    """Content address of a run: the input files' hashes, the policy content (with the mentor
    governance in force), the year and the overrides. Re-running the same → the same id, and the
    store replays it instead of allocating anyone again (idempotent runs)."""
    material = json.dumps({
        "inputs": sorted((s.file.rsplit("/", 1)[-1], s.sha256) for s in inputs.sources),
        "policy": policy.content_hash, "year": year, "overrides": sorted(overrides.items()),
    }, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(material.encode()).hexdigest()[:12]


def input_sha(inputs: Inputs, role: str) -> str:
    return next((s.sha256 for s in inputs.sources if s.file.startswith(f"{role}:")), "")


def seats_taken_since_report(inputs: Inputs, past: Sequence[HistoryEntry],
                             history: HistoryStore, exclude_runs: Sequence[str] = ()) -> dict[str, int]:
    """Students given to each mentor by earlier runs that read this very Inspactor report: its
    covered counts were taken before those runs, so their seats are already used."""
    runs = set(history.runs_with_input(input_sha(inputs, "inspactor"))) - set(exclude_runs)
    return dict(Counter(e.mentor_id for e in past if e.run_id in runs))


def replay_state(inputs: Inputs, history: HistoryStore,
                 run_id: str) -> tuple[list[HistoryEntry], dict[str, int]]:
    """The history a run decides on, and the seats already taken on its mentor report — one
    rule for a run and for an explanation of it: a run recorded before replays on the state it
    was first decided on (its own rows and every later run's are ignored), so a re-run and an
    explanation reproduce its decisions even after other runs; a new run sees all history."""
    ignored = history.runs_since(run_id)
    past = history.load(exclude_runs=ignored)
    return past, seats_taken_since_report(inputs, past, history, exclude_runs=ignored)


def build_matrix_for(inputs: Inputs, policy: Policy,
                     overrides: Mapping[str, bool] | None = None,
                     draft: MatrixDraft | None = None) -> EligibilityMatrix:
    """The matrix of a run, refused (``ConfigurationError``, FAILED_PRE_QA) when the centres
    cannot be trusted (D16): nothing is allocated, written or recorded on such a matrix.
    ``draft``: the mentors' side, if ``draft_matrix_for`` already made it from these inputs."""
    keys = [s.keys for s in inputs.students.records if s.keys is not None] if inputs.students else []
    matrix = complete_matrix(draft or draft_matrix_for(inputs, policy, overrides), policy, keys)
    students = student_centre_counts((s.center for s in inputs.students.records), policy) \
        if inputs.students else {}
    problems = centre_problems(matrix.centres, students, inputs.mentors.source.file)
    if problems:
        raise ConfigurationError(problems)
    return matrix


def draft_matrix_for(inputs: Inputs, policy: Policy,
                     overrides: Mapping[str, bool] | None = None) -> MatrixDraft:
    """The matrix's mentor side (students unused): a run makes it while the student report is
    still being read."""
    return draft_matrix(inputs.mentors, inputs.schools, policy, crosswalk=inputs.crosswalk,
                        overrides=overrides or {})


def matrix_meta(inputs: Inputs, policy: Policy, pre_qa_status: str) -> dict[str, object]:
    """What the matrix workbook's meta sheet says about its inputs and policy."""
    return {"policy_stamp": policy.stamp, "pre_qa_status": pre_qa_status,
            **{f"input_{s.file}": s.sha256 for s in inputs.sources}}


def checked_year(inputs: Inputs, policy: Policy, year: int | None) -> list[str]:
    """Warnings about the academic year a run uses, which stops the run (``ConfigurationError``,
    YEAR_MISMATCH) when the roster and the file names both point to another one (FR-44)."""
    evidence = infer_year(policy, [e.code for e in inputs.roster],
                          [s.file.split(":", 1)[-1] for s in inputs.sources])
    problems, warnings = year_check(evidence, year or policy.academic_year,
                                    explicit=year is not None)
    if problems:
        raise ConfigurationError(problems)
    return warnings
