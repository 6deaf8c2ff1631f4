"""Live intake's last seats on PostgreSQL (issue L): 16 entries at once race for the 8 seats
left to their six keys. Exactly 8 are allocated, the other 8 are queued as CAPACITY_FULL for
the next batch, no mentor is over capacity and no registration code is held twice — with the
service's own handler and store, real threads and a real PostgreSQL."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from smartalloc.adapters.db.live_store import SqlLiveAllocations
from smartalloc.adapters.db.schema import Allocation
from smartalloc.adapters.db.schema import Counter as CodeCounter
from smartalloc.adapters.db.seats_view import SeatsView
from smartalloc.domain.intake import EntryKey
from smartalloc.entrypoints.api.settings import input_paths
from smartalloc.service_layer.intake import receive_entry
from smartalloc.service_layer.live_basis import LiveBases
from tests.api.conftest import make_api
from tests.api.test_intake_now import entry_like, placed_keys, run
from tests.intake_payloads import SECRET, SECRET_ENV, now_policy_file

RACERS, LEFT = 16, 8


@pytest.fixture
def pg_now(pg_url, tmp_path: Path, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, SECRET)
    path = now_policy_file(tmp_path)
    yield from make_api(pg_url, tmp_path / "data", policy_path=path)


def test_sixteen_entries_race_for_the_last_eight_seats(pg_now, small_agency) -> None:
    run(pg_now, small_agency)
    state = pg_now.client.app.state
    keys = placed_keys(pg_now)
    live = SqlLiveAllocations(state.engine, outbox=True)
    with live.allocating() as tx:
        mark = tx.look(EntryKey("main", "0", "0"), "").mark
    basis = LiveBases(state.policy, jobs=state.jobs, reader=state.system.reader,
                      history=state.store,
                      paths_of=lambda files: input_paths(state.settings, dict(files))
                      ).build(mark)
    candidates = basis.candidates(keys)
    seats = SeatsView(state.engine)

    def left() -> int:
        return sum(max(s.left, 0) for s in seats.seats(candidates).values())

    def send(n: int) -> dict:
        answer = receive_entry("main", json.loads(json.dumps(entry_like(n, keys))),
                               state.policy, store=state.intake, event_key=b"k" * 32,
                               at="1405-09-16 10:00:00", allocate=state.allocate_now)
        return dict(answer.body) | {"http": answer.http_status}

    n = 7000
    while left() > LEFT:                        # fill up to the last eight, one at a time
        assert send(n)["status"] == "allocated"
        n += 1
    assert left() == LEFT

    answers: list[dict] = []
    start = threading.Barrier(RACERS)

    def racer(i: int) -> None:
        start.wait()
        answers.append(send(n + i))

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(answers) == RACERS
    said = Counter((a["status"], a["failure"], a["http"]) for a in answers)
    assert said == {("allocated", None, 200): LEFT, ("queued", "CAPACITY_FULL", 202): LEFT}
    assert left() == 0
    assert all(s.left >= 0 for s in seats.seats(candidates).values())   # none over capacity
    with state.engine.connect() as conn:
        codes = conn.execute(select(Allocation.c.code)).scalars().all()
        highest = conn.execute(select(func.max(CodeCounter.c.last_sequence))).scalar()
    assert len(codes) == len(set(codes))
    won = [a["registration_code"] for a in answers if a["status"] == "allocated"]
    assert len(set(won)) == LEFT and max(int(c[5:]) for c in won) <= highest
