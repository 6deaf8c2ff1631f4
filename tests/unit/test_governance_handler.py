"""Mentor governance through its handler, on an in-memory store: the rules (a reason, what a
restriction needs), what a change records (from → to) and the one event it emits.

The fake keeps the contract of `MentorGovernanceStore` the database registry keeps: it records
whatever it is handed, allocates audit ids 1, 2, … and calls the event factory only with an
outbox. So these tests fail if the handler skips the rules, builds its own event, or emits
without the store's audit id; the database side is tests/integration/test_store.py.
"""

from __future__ import annotations

import pytest

from smartalloc.domain.errors import InputError, NotFoundError
from smartalloc.domain.events import MENTOR_STATUS_CHANGED, Event, status_changed
from smartalloc.domain.governance import UNKNOWN, GovernanceChange, StatusChange
from smartalloc.domain.policy import Channel, MentorStatus
from smartalloc.service_layer.mentor_governance import (
    ChangeMentorStatus,
    change_mentor_status,
    list_mentors,
    mentor,
    status_audit,
)
from smartalloc.service_layer.ports import MentorGovernanceStore, MentorView, StatusEvent


class FakeGovernanceStore:
    """Statuses, audit rows and outbox in lists; ``received`` is what the handler passed."""

    def __init__(self, *, outbox: bool = False, known: tuple[MentorView, ...] = ()):
        self.outbox = outbox
        self.mentors = {m.mentor_id: m for m in known}
        self.rows: list[StatusChange] = []
        self.events: list[Event] = []
        self.received: list[GovernanceChange] = []

    def list(self, status: str | None = None) -> list[MentorView]:
        return [m for m in self.mentors.values() if not status or m.status == status]

    def get(self, mentor_id: str) -> MentorView | None:
        return self.mentors.get(mentor_id)

    def audit(self, mentor_id: str | None = None) -> list[StatusChange]:
        return [r for r in self.rows if not mentor_id or r.mentor_id == mentor_id]

    def change(self, change: GovernanceChange, event: StatusEvent) -> StatusChange:
        self.received.append(change)
        known = self.mentors.get(change.mentor_id)
        recorded = StatusChange(change.mentor_id, known.status if known else UNKNOWN,
                                change.to.value, change.reason, change.by, change.at)
        self.mentors[change.mentor_id] = MentorView(
            change.mentor_id, known.name if known else "", known.manager if known else "",
            change.to.value, known.capacity if known else 0, known.covered if known else 0,
            change.schools, tuple(str(c) for c in change.channels))
        self.rows.append(recorded)
        if self.outbox:
            self.events.append(event(recorded, len(self.rows)))    # audit ids 1, 2, …
        return recorded


def _mentor(mentor_id: str, status: str = "active") -> MentorView:
    return MentorView(mentor_id, f"name {mentor_id}", "manager", status, 10, 0, (), ())


def _command(mentor_id: str = "7", to: MentorStatus = MentorStatus.FROZEN, reason: str = "مرخصی",
             **extra) -> ChangeMentorStatus:
    return ChangeMentorStatus(mentor_id, to, reason=reason, by="ops", at="1404-08-27 10:00:00",
                              **extra)


def test_the_fake_is_a_governance_store() -> None:
    store: MentorGovernanceStore = FakeGovernanceStore()    # checked by type checkers too
    assert list_mentors(store) == []


@pytest.mark.parametrize("reason", ["", "   ", "\t\n"])
def test_a_reason_is_required_and_nothing_is_recorded_without_one(reason: str) -> None:
    store = FakeGovernanceStore(outbox=True, known=(_mentor("7"),))
    with pytest.raises(InputError) as err:
        change_mentor_status(_command(reason=reason), store)
    (problem,) = err.value.problems
    assert problem.code == "GOVERNANCE_REASON"
    assert problem.message_fa == "دلیل تغییر وضعیت الزامی است"
    assert problem.message_en == "a reason is required for every status change"
    assert problem.location.column == "--reason"
    assert store.received == [] and store.events == [] and store.get("7").status == "active"


def test_restricted_needs_a_school_or_a_channel() -> None:
    store = FakeGovernanceStore(known=(_mentor("7"),))
    with pytest.raises(InputError) as err:
        change_mentor_status(_command(to=MentorStatus.RESTRICTED, reason="فقط مدرسه"), store)
    (problem,) = err.value.problems
    assert problem.code == "GOVERNANCE_RESTRICTION"
    assert problem.message_fa == "برای محدودسازی، مدرسه یا کانال مجاز را مشخص کنید"
    assert problem.message_en == "restricted needs --school and/or --channel"
    assert problem.location.column == "--school"
    assert store.received == [] and store.audit() == []


@pytest.mark.parametrize("extra", [{"schools": (1112,)}, {"channels": (Channel.SADRA,)},
                                   {"schools": (1, 2), "channels": (Channel.SCHOOL,)}])
def test_a_restriction_with_a_school_or_a_channel_is_recorded_with_them(extra: dict) -> None:
    store = FakeGovernanceStore(known=(_mentor("7"),))
    change_mentor_status(_command(to=MentorStatus.RESTRICTED, **extra), store)
    (received,) = store.received
    assert received.schools == extra.get("schools", ())
    assert received.channels == extra.get("channels", ())
    assert store.get("7").status == "restricted"


@pytest.mark.parametrize("to", [MentorStatus.FROZEN, MentorStatus.ACTIVE, MentorStatus.INACTIVE])
def test_other_statuses_need_no_school_or_channel(to: MentorStatus) -> None:
    store = FakeGovernanceStore(known=(_mentor("7", "restricted"),))
    assert change_mentor_status(_command(to=to), store).to_status == to.value


def test_a_change_records_from_and_to_with_who_when_and_why() -> None:
    store = FakeGovernanceStore(known=(_mentor("7"), _mentor("8")))
    frozen = change_mentor_status(_command(reason="on leave"), store)
    assert frozen == StatusChange("7", "active", "frozen", "on leave", "ops",
                                  "1404-08-27 10:00:00")
    back = change_mentor_status(_command(to=MentorStatus.ACTIVE, reason="back"), store)
    assert (back.from_status, back.to_status) == ("frozen", "active")
    assert status_audit(store, "7") == [frozen, back] and status_audit(store, "8") == []
    assert status_audit(store) == [frozen, back]


def test_with_the_outbox_a_change_emits_exactly_one_event_named_by_its_audit_id() -> None:
    store = FakeGovernanceStore(outbox=True, known=(_mentor("1"), _mentor("7")))
    change_mentor_status(_command("1", reason="first"), store)        # audit id 1
    change = change_mentor_status(_command("7", reason="on leave"), store)   # audit id 2
    assert len(store.events) == 2
    event = store.events[1]
    assert event.event_type == MENTOR_STATUS_CHANGED == "MentorStatusChanged"
    assert event == status_changed("7", "active", "frozen", "on leave", "ops",
                                   "1404-08-27 10:00:00", 2)
    assert dict(event.payload) == {"mentor_id": "7", "from_status": "active",
                                   "to_status": "frozen", "reason": "on leave",
                                   "changed_by": "ops"}
    assert event.occurred_at == change.changed_at and event.run_id == ""
    # the same change again is another audit row, hence another event id
    change_mentor_status(_command("7", reason="on leave"), store)
    assert len(store.events) == 3 and store.events[2].event_id != event.event_id


def test_without_the_outbox_a_change_is_recorded_but_emits_nothing() -> None:
    store = FakeGovernanceStore(outbox=False, known=(_mentor("7"),))
    change_mentor_status(_command(), store)
    assert store.events == [] and [r.to_status for r in store.audit("7")] == ["frozen"]


def test_an_unknown_id_is_refused_and_persian_digits_name_the_real_mentor() -> None:
    """Issue I/J: «۴۲» typed on a Persian keyboard froze a made-up mentor "۴۲" (and a typo
    another) while mentor 42 kept receiving students. Now the id is read as the reports are,
    and an id no recorded report names is refused with nothing recorded."""
    store = FakeGovernanceStore(outbox=True, known=(_mentor("42"),))
    with pytest.raises(NotFoundError) as unknown:
        change_mentor_status(_command("99999", reason="typo"), store)
    assert unknown.value.problems[0].code == "MENTOR_UNKNOWN"
    assert store.received == [] and store.rows == [] and store.events == []
    change = change_mentor_status(_command("۴۲ ", reason="مرخصی"), store)
    assert (change.mentor_id, change.from_status, change.to_status) == ("42", "active", "frozen")
    assert change_mentor_status(_command("٤٢", MentorStatus.ACTIVE, reason="back"),
                                store).mentor_id == "42"
    assert set(store.mentors) == {"42"}


def test_queries_read_through_the_store() -> None:
    store = FakeGovernanceStore(known=(_mentor("1"), _mentor("2", "frozen")))
    assert [m.mentor_id for m in list_mentors(store)] == ["1", "2"]
    assert [m.mentor_id for m in list_mentors(store, "frozen")] == ["2"]
    assert [m.mentor_id for m in list_mentors(store, "")] == ["1", "2"]      # "" = every status
    assert mentor(store, "2").status == "frozen" and mentor(store, "3") is None
