"""Manual review on the real database (issue K), SQLite and PostgreSQL: after a real run, a
release frees the seat and keeps the code, an assign takes it back with the same code, a move
shifts the seat, every change is one audit row and one outbox event in the same transaction,
and the next batch on the same reports counts a review's seats. On PostgreSQL two operators
race for a mentor's last seat: one wins, the other is refused naming the winner."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from smartalloc.adapters.db.migrate import upgrade
from smartalloc.adapters.db.schema import Allocation, OutboxMessage, ReviewRow
from smartalloc.bootstrap import bootstrap
from smartalloc.domain.contracts import STUDENT_SHEET, StudentCol
from smartalloc.domain.events import STUDENT_REASSIGNED, STUDENT_RELEASED
from smartalloc.domain.national_id import normalize_national_id
from smartalloc.domain.review import ReviewAction, ReviewRefused, ReviewRequest
from smartalloc.entrypoints.inputs import choose_policy, resolve_inputs
from tests.integration.test_concurrency_postgres import _batches

AT = "1405-09-15 11:00:00"


def _run(agency, out, url, *extra: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "smartalloc.entrypoints.cli", "run",
                           "--agency", str(agency), "--out", str(out), "--database-url", url,
                           "--date", "1405-09-15", *extra],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 or not check, done.stderr[-3000:]
    return done


def _national_ids(report) -> set[str]:
    rows = CalamineWorkbook.from_path(str(report)).get_sheet_by_name(STUDENT_SHEET).to_python()
    column = rows[0].index(StudentCol.NATIONAL_ID)
    return {normalize_national_id(str(r[column])) for r in rows[1:] if r[column]}


def _act(system, agency, nid, action, mentor="", *, by="op", exception=False, admin=False,
         students=None):
    policy = choose_policy(agency, None)
    paths = resolve_inputs(agency, students=students)
    request = ReviewRequest(nid, ReviewAction(action), mentor, "درخواست خانواده", by, AT,
                            exception)
    return system.review_action(request, paths, policy, admin=admin)


def _allocations(system) -> dict[str, tuple[str, str]]:
    with system.engine.connect() as conn:
        return {n: (m, c) for n, m, c in conn.execute(
            select(Allocation.c.national_id, Allocation.c.mentor_id, Allocation.c.code))}


def _count(system, table) -> int:
    with system.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request):
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    upgrade(url)   # a shared PostgreSQL database is upgraded deliberately
    return url


def test_release_assign_move_on_the_real_database(small_agency, tmp_path, url):
    agency = small_agency.out_dir
    _run(agency, tmp_path / "out", url)
    system = bootstrap(url)
    before = _allocations(system)
    load = Counter(m for m, _ in before.values())
    nid, (mentor, code) = sorted(before.items())[0]
    events_before = _count(system, OutboxMessage)

    released = _act(system, agency, nid, "release")
    assert (released.from_mentor, released.to_mentor, released.code) == (mentor, "", code)
    assert nid not in _allocations(system)
    seats = system.review()
    with seats.review() as tx:
        freed = tx.seats(mentor)
    again = _act(system, agency, nid, "assign", mentor)
    assert again.code == code                                  # D15: its own code back
    with seats.review() as tx:
        assert tx.seats(mentor).taken == freed.taken + 1       # the seat is taken again
    assert _allocations(system) == before

    # a move to another eligible mentor with a free seat (or an administrator's exception)
    other = next(m for m in sorted(load) if m != mentor)
    moved = _act(system, agency, nid, "move", other, exception=True, admin=True, by="admin")
    assert (moved.from_mentor, moved.to_mentor, moved.code) == (mentor, other, code)
    assert _allocations(system)[nid] == (other, code)

    audit = system.review().changes(nid)
    assert [c.action for c in audit] == [ReviewAction.RELEASE, ReviewAction.ASSIGN,
                                         ReviewAction.MOVE]
    assert audit[-1].exception and audit[-1].by == "admin"
    assert _count(system, ReviewRow) == 3
    with system.engine.connect() as conn:
        kinds = conn.execute(select(OutboxMessage.c.event_type).order_by(OutboxMessage.c.id)
                             ).scalars().all()[events_before:]
    if system.history.outbox:
        assert kinds == [STUDENT_RELEASED, STUDENT_REASSIGNED, STUDENT_REASSIGNED]

    # refused actions write nothing
    with pytest.raises(ReviewRefused):
        _act(system, agency, nid, "assign", mentor)
    assert _count(system, ReviewRow) == 3


def test_the_next_batch_counts_the_reviews_seats(small_agency, tmp_path, sqlite_url):
    """A batch on a later student report (the same mentor report) after a review: the moved
    student stays where review put it, the released one is allocated again with its own code
    (D15), no mentor goes over capacity and no code is given twice."""
    agency = small_agency.out_dir
    first, second = _batches(agency, tmp_path)[:2]
    _run(agency, tmp_path / "a", sqlite_url, "--students", str(first))
    system = bootstrap(sqlite_url)
    allocated = _allocations(system)
    later = _national_ids(second)
    released, moved = [n for n in sorted(allocated) if n in later][:2]
    _act(system, agency, released, "release", students=first)
    with system.review().review() as tx:
        target = next(m for m in sorted({m for m, _ in allocated.values()})
                      if m != allocated[moved][0] and tx.seats(m).left > 0)
    _act(system, agency, moved, "move", target, exception=True, admin=True, students=first)
    _run(agency, tmp_path / "b", sqlite_url, "--students", str(second))
    after = _allocations(system)
    assert after[moved] == (target, allocated[moved][1])
    assert after[released][1] == allocated[released][1]
    assert len({c for _, c in after.values()}) == len(after)
    with system.review().review() as tx:
        assert all(tx.seats(m).left >= 0 for m in {m for m, _ in after.values()})


def test_a_reviewed_run_is_not_silently_replayed(small_agency, tmp_path, sqlite_url):
    """Running the same files again replays the run — and would undo its review: refused,
    loudly, and nothing changes."""
    agency = small_agency.out_dir
    _run(agency, tmp_path / "a", sqlite_url)
    system = bootstrap(sqlite_url)
    nid = sorted(_allocations(system))[0]
    _act(system, agency, nid, "release")
    reviewed = _allocations(system)
    again = _run(agency, tmp_path / "b", sqlite_url, check=False)
    assert again.returncode != 0 and "RUN_REVIEWED" in again.stdout + again.stderr
    assert "manual review" in again.stdout + again.stderr
    assert _allocations(system) == reviewed


@pytest.mark.parametrize("attempt", range(3))
def test_two_operators_race_for_the_last_seat_on_postgresql(small_agency, tmp_path, pg_url,
                                                            attempt):
    agency = small_agency.out_dir
    upgrade(pg_url)
    _run(agency, tmp_path / "out", pg_url)
    system = bootstrap(pg_url)
    allocations = _allocations(system)
    with system.review().review() as tx:
        full = next(m for m in sorted({m for m, _ in allocations.values()})
                    if tx.seats(m).left == 0)
    first, second = [n for n, (m, _) in sorted(allocations.items()) if m != full][:2]
    for nid in (first, second):
        _act(system, agency, nid, "release")
    holder = next(n for n, (m, _) in sorted(allocations.items()) if m == full)
    _act(system, agency, holder, "release")                  # exactly one seat left on `full`

    results: dict[str, object] = {}
    barrier = threading.Barrier(2)

    def take(nid: str, who: str) -> None:
        barrier.wait()
        try:
            results[who] = _act(bootstrap(pg_url), agency, nid, "assign", full,
                                exception=True, admin=True, by=who)
        except ReviewRefused as exc:
            results[who] = exc

    threads = [threading.Thread(target=take, args=(n, w))
               for n, w in ((first, "zahra"), (second, "ali"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    won = [w for w, r in results.items() if not isinstance(r, Exception)]
    lost = [r for r in results.values() if isinstance(r, ReviewRefused)]
    assert len(won) == 1 and len(lost) == 1, results
    problem = lost[0].problems[0]
    assert problem.code == "REVIEW_NO_SEAT" and won[0] in problem.message_en
    with system.review().review() as tx:
        assert tx.seats(full).left == 0                       # never over capacity
    codes = [c for _, c in _allocations(system).values()]
    assert len(codes) == len(set(codes))


def test_the_review_commands(small_agency, tmp_path, sqlite_url):
    """`smartalloc review release|assign|log`: the change printed, a refusal in both
    languages with a failing exit code, the audit listed."""
    agency = small_agency.out_dir
    _run(agency, tmp_path / "a", sqlite_url)
    nid, (mentor, code) = sorted(_allocations(bootstrap(sqlite_url)).items())[0]

    def review(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "smartalloc.entrypoints.cli", "review",
                               *args, "--database-url", sqlite_url], capture_output=True,
                              text=True, timeout=300)

    done = review("release", nid, "--reason", "انصراف", "--by", "zahra",
                  "--agency", str(agency))
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"{mentor} → —" in done.stdout and code in done.stdout
    refused = review("move", nid, "--mentor", mentor, "--reason", "x", "--agency", str(agency))
    assert refused.returncode != 0
    said = refused.stdout + refused.stderr
    assert "REVIEW_NOT_ALLOCATED" in said and "assign" in said and "تخصیص" in said
    persian_digits = mentor.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    back = review("assign", nid, "--mentor", persian_digits, "--reason", "بازگشت",
                  "--agency", str(agency))
    assert back.returncode == 0, back.stdout + back.stderr
    log = review("log", nid)
    assert log.returncode == 0 and "zahra" in log.stdout and "انصراف" in log.stdout
