"""The review list and flags on the real database (issue K), SQLite and PostgreSQL, after a
real run on the synthetic agency: the list is the run's own unallocated students (class,
reason, capacity-plan line from its kept file) and the students on the pool's placeholder
mentors; review actions resolve items; flags are audited notes that change no allocation,
no code and no "reviewed" count. A run that kept no explanation file is listed from the
database alone. The `review flag|unflag|list` commands."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from smartalloc.adapters.db.migrate import upgrade
from smartalloc.adapters.explain_file import ExplainFile
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.bootstrap import bootstrap
from smartalloc.domain.pool import build_pool, is_placeholder
from smartalloc.domain.review import ReviewAction, ReviewRefused, ReviewRequest
from smartalloc.domain.review_list import NOT_KEPT, RELEASED
from smartalloc.entrypoints.inputs import choose_policy, resolve_inputs
from tests.integration.test_review_store import AT, _act, _allocations, _run

ASSIGNABLE_CLASSES = ("CAPACITY_FULL", "ELIGIBILITY_NO_MATCH")


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request):
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    upgrade(url)
    return url


def _flag(system, nid, action, reason="پیگیری تماس ولی", by="op"):
    return system.review_flag(ReviewRequest(nid, ReviewAction(action), "", reason, by, AT))


def _virtual(agency, policy) -> set[str]:
    """The pool's own placeholder mentors (D17), as the run built them."""
    inputs = ExcelInputReader().read(resolve_inputs(agency), policy)
    return {m.mentor_id for m in build_pool(inputs.mentors, policy).pool if m.is_virtual}


def _kinds(items, kind):
    return {i.national_id: i for i in items if i.kind == kind}


def test_the_review_list_of_a_real_run(small_agency, tmp_path, url):
    agency = small_agency.out_dir
    _run(agency, tmp_path / "out", url, "--explanations")
    system = bootstrap(url)
    policy = choose_policy(agency, None)
    kept = ExplainFile(tmp_path / "out" / "explain.sqlite").results()
    lines = {s.national_id: s for s in kept.students}
    held = _allocations(system)
    [run_id] = {i.run_id for i in system.review_list(policy)}

    items = system.review_list(policy)
    assert items == system.review_list(policy, run_id=run_id)     # one run: the same list
    unallocated = _kinds(items, "unallocated")
    failed = {n for n, s in lines.items() if s.status != "ALLOCATED"}
    assert unallocated and set(unallocated) == failed - set(held)
    for nid, item in unallocated.items():
        assert (item.failure_class, item.reason) == (lines[nid].failure_class,
                                                     lines[nid].reason)
        assert item.suggested_action and item.mentor_id == "" and not item.resolved
    profiles = {p.profile for p in kept.plan}
    planned = [i for i in unallocated.values() if i.failure_class in ASSIGNABLE_CLASSES]
    assert planned and all(i.plan_row in profiles for i in planned)
    assert any(i.plan_row for i in planned)

    virtual = _virtual(agency, policy)
    waiting = _kinds(items, "placeholder")
    assert waiting and set(waiting) == {n for n, (m, _) in held.items() if m in virtual}

    # an unallocated student assigned by review drops out; a placeholder moved to a real
    # mentor drops out; a released student comes in
    with system.review().review() as tx:
        free = [m for m in sorted({m for m, _ in held.values()} - virtual)
                if tx.seats(m).left > 0]
    assign = next(n for n, i in sorted(unallocated.items())
                  if i.failure_class in ASSIGNABLE_CLASSES)
    _act(system, agency, assign, "assign", free[0], exception=True, admin=True)
    moved = sorted(waiting)[0]
    _act(system, agency, moved, "move", free[-1], exception=True, admin=True)
    released = next(n for n, (m, _) in sorted(held.items()) if m not in virtual)
    code = held[released][1]
    _act(system, agency, released, "release")
    after = system.review_list(policy)
    assert assign not in _kinds(after, "unallocated") and moved not in _kinds(after,
                                                                               "placeholder")
    assert _kinds(after, "unallocated")[released].reason == RELEASED.fa
    every = system.review_list(policy, include_resolved=True)
    assert _kinds(every, "unallocated")[assign].resolved
    assert _kinds(every, "placeholder")[moved].resolved

    # flags: an audited note, listed until cleared; refused twice; no code, seat or replay
    reviewed = system.history.reviewed(run_id)
    assert _flag(system, released, "flag").code == ""          # released: it holds no code
    with pytest.raises(ReviewRefused) as err:
        _flag(system, released, "flag")
    assert err.value.problems[0].code == "REVIEW_ALREADY_FLAGGED"
    flagged = system.review_list(policy, kind="flagged")
    assert [(i.national_id, i.flagged_reason, i.flagged_by) for i in flagged] == [
        (released, "پیگیری تماس ولی", "op")]
    assert system.history.reviewed(run_id) == reviewed == 3  # a flag is no change to undo
    assert all(r.code for r in system.history.kept_codes())
    back = _act(system, agency, released, "assign", held[released][0], exception=True,
                admin=True)
    assert back.code == code                   # the flag row did not hide its kept code
    _flag(system, released, "unflag", reason="رسیدگی شد")
    assert system.review_list(policy, kind="flagged") == []
    actions = [c.action for c in system.review().changes(released)]
    assert actions == ["release", "flag", "assign", "unflag"]


def test_a_run_without_its_kept_file_is_listed_from_the_database(small_agency, tmp_path, url):
    """The same run with and without `--explanations`: the same students on the list; the
    one that kept nothing says so instead of a reason."""
    agency = small_agency.out_dir
    policy = choose_policy(agency, None)
    reference = f"sqlite:///{tmp_path / 'reference.sqlite'}"
    _run(agency, tmp_path / "kept", reference, "--explanations")
    _run(agency, tmp_path / "plain", url)
    assert not (tmp_path / "plain" / "explain.sqlite").exists()
    want = bootstrap(reference).review_list(policy)
    got = bootstrap(url).review_list(policy)
    assert [(i.national_id, i.kind, i.mentor_id) for i in got] == [
        (i.national_id, i.kind, i.mentor_id) for i in want]
    assert {(i.failure_class, i.reason, i.plan_row) for i in got if i.kind == "unallocated"} \
        == {("", NOT_KEPT.fa, "")}


def test_the_kept_files_names_and_aliases_find_the_pools_placeholders(small_agency, tmp_path,
                                                                       sqlite_url):
    """Every mentor the run gave students is a placeholder by the kept name and alias
    exactly when the pool made it one."""
    from smartalloc.adapters.kept_decisions import KeptDecisions

    agency = small_agency.out_dir
    policy = choose_policy(agency, None)
    _run(agency, tmp_path / "out", sqlite_url, "--explanations")
    read = KeptDecisions(tmp_path / "out" / "explain.sqlite", "r").mentors()
    virtual = _virtual(agency, policy)
    assert read and virtual & set(read)
    assert {m for m, (name, alias) in read.items()
            if is_placeholder(name, alias, policy.virtual_mentors)} == virtual & set(read)
    assert all(alias == "" or re.fullmatch(r"\d{4}", alias) for _, alias in read.values())


def test_the_flag_and_list_commands(small_agency, tmp_path, sqlite_url):
    agency = small_agency.out_dir
    _run(agency, tmp_path / "a", sqlite_url, "--explanations")
    nid = sorted(_allocations(bootstrap(sqlite_url)))[0]

    def review(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "smartalloc.entrypoints.cli", "review",
                               *args, "--database-url", sqlite_url], capture_output=True,
                              text=True, timeout=300, env={**os.environ, "COLUMNS": "400"})

    done = review("flag", nid, "--reason", "تماس ولی", "--by", "zahra")
    assert done.returncode == 0, done.stderr[-2000:]
    again = review("flag", nid, "--reason", "دوباره")
    said = again.stdout + again.stderr
    assert again.returncode != 0 and "REVIEW_ALREADY_FLAGGED" in said
    assert "already flagged" in said and "نشان" in said
    listed = review("list", "--kind", "flagged", "--agency", str(agency))
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert "review list (1)" in listed.stdout and nid in listed.stdout
    assert "نشان‌گذاری‌شده" in listed.stdout and "تماس ولی" in listed.stdout
    everything = review("list", "--agency", str(agency))
    assert "تخصیص‌نیافته" in everything.stdout and "ELIGIBILITY_NO_MATCH" not in everything.stdout
    total = int(re.search(r"review list \((\d+)\)", everything.stdout)[1])
    counts = [int(n) for n in re.findall(r"(?:unallocated|placeholder|flagged): (\d+)",
                                         everything.stdout)]
    assert len(counts) == 3 and sum(counts) == total > 1
    one = review("list", "--agency", str(agency), "--limit", "1")
    assert f"review list ({total}، 1 نمایش / 1 shown)" in one.stdout
    bad = review("list", "--kind", "waiting")
    assert bad.returncode != 0 and "REVIEW_LIST_KIND" in bad.stdout + bad.stderr
    assert review("unflag", nid, "--reason", "رسیدگی شد").returncode == 0
    log = review("log", nid)
    assert "flag" in log.stdout and "unflag" in log.stdout and "zahra" in log.stdout
    assert "review list (0)" in review("list", "--kind", "flagged").stdout
