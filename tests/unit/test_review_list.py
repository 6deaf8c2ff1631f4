"""The review list (issue K): the rules that make items from a run's decisions and where each
student stands now, and the handler on fake ports — per run and across runs (the latest
decision of a student wins), kinds, resolved items, placeholders by the policy's own test."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from smartalloc.domain import glossary
from smartalloc.domain.decision import FailureClass
from smartalloc.domain.errors import ConflictError, InputError, NotFoundError
from smartalloc.domain.policy import VirtualMentorPolicy
from smartalloc.domain.pool import is_placeholder
from smartalloc.domain.review_list import (
    KINDS,
    NOT_KEPT,
    RELEASED,
    Decided,
    Flag,
    ItemKind,
    items_of,
    plan_row,
    suggestion,
)
from smartalloc.domain.run_results import PlanLine
from smartalloc.service_layer.review_list import RunOnRecord, review_list

VIRTUAL = VirtualMentorPolicy()           # «در انتظار تخصیص» / «فراگیر», aliases 7000–7999
KEYS = (27, 1, 1, 0, 0, 0)
PLAN = [PlanLine("گروه 27، پسر", "CAPACITY_FULL", 3, 2, "10", 1, KEYS),
        PlanLine("گروه 27، پسر (بدون ردیف)", "ELIGIBILITY_NO_MATCH", 1, 0, "", 1, KEYS),
        PlanLine("گروه 31، دختر", "CAPACITY_FULL", 1, 1, "", 1, (31, 0, 1, 0, 0, 0))]
FLAG = Flag("0000000001", "ولی تماس گرفت", "op1", "1405-09-15 10:00:00", "r1")


def _is_placeholder(mentor_id: str) -> bool:
    return mentor_id.startswith("7")


def _one(decided, now, **kw):
    return items_of(decided, now, _is_placeholder, **kw)


# --- the rules ---------------------------------------------------------------------------


def test_an_unallocated_student_with_its_class_reason_action_and_plan_line():
    [item] = _one(Decided("0000000001", "r1", "", "CAPACITY_FULL", "ظرفیت همه پر است", KEYS),
                  None, plan=PLAN)
    assert (item.kind, item.failure_class, item.reason) == ("unallocated", "CAPACITY_FULL",
                                                            "ظرفیت همه پر است")
    assert item.plan_row == "گروه 27، پسر" and item.mentor_id == "" and not item.resolved
    assert item.suggested_action == suggestion("unallocated", "CAPACITY_FULL").fa
    assert "ظرفیت" in item.suggested_action and "بازبینی" in item.suggested_action


def test_assigned_since_the_run_is_resolved():
    [item] = _one(Decided("0000000001", "r1", "", "CAPACITY_FULL", "x", KEYS), "20", plan=PLAN)
    assert item.resolved and item.mentor_id == "20"


def test_released_by_review_after_the_run_is_unallocated_again():
    [item] = _one(Decided("0000000001", "r1", "20"), None)
    assert (item.kind, item.failure_class, item.reason, item.resolved) == (
        "unallocated", "", RELEASED.fa, False)


def test_a_run_that_kept_no_reasons_says_where_to_look():
    [item] = _one(Decided("0000000001", "r1", "", kept=False), None)
    assert item.reason == NOT_KEPT.fa and "allocation.xlsx" in item.reason


def test_waiting_on_a_placeholder_and_moved_to_a_real_mentor():
    [waiting] = _one(Decided("0000000001", "r1", "7001"), "7001")
    assert (waiting.kind, waiting.mentor_id, waiting.resolved) == ("placeholder", "7001", False)
    assert waiting.suggested_action == suggestion("placeholder").fa
    [moved] = _one(Decided("0000000001", "r1", "7001"), "20")
    assert (moved.kind, moved.resolved) == ("placeholder", True)
    assert _one(Decided("0000000001", "r1", "20"), "20") == []        # nothing to review
    # assigned by review to a placeholder: the unallocated item is resolved, a new one opens
    resolved, waiting = _one(Decided("0000000001", "r1", "", "CAPACITY_FULL", "x"), "7002")
    assert (resolved.kind, resolved.resolved, waiting.kind, waiting.resolved) == (
        "unallocated", True, "placeholder", False)


def test_a_flag_is_its_own_item_and_shows_on_the_students_other_items():
    unallocated, flagged = _one(Decided("0000000001", "r1", "", "ELIGIBILITY_NO_MATCH", "x",
                                        KEYS), None, flag=FLAG, plan=PLAN)
    assert flagged.kind == "flagged" and flagged.reason == FLAG.reason
    assert flagged.failure_class == "ELIGIBILITY_NO_MATCH" and not flagged.resolved
    for item in (unallocated, flagged):
        assert (item.flagged_reason, item.flagged_by, item.flagged_at) == (
            FLAG.reason, FLAG.by, FLAG.at)
    assert unallocated.plan_row == "گروه 27، پسر (بدون ردیف)"      # its own class's line
    [only] = _one(Decided("0000000001", "r1", "20"), "20", flag=FLAG)
    assert (only.kind, only.failure_class, only.mentor_id) == ("flagged", "", "20")


def test_the_plan_line_of_the_students_keys():
    assert plan_row(KEYS, "CAPACITY_FULL", PLAN) == "گروه 27، پسر"
    assert plan_row(KEYS, "DATA_MISSING", PLAN) == "گروه 27، پسر"     # no line of its class
    assert plan_row((31, 0, 1, 0, 0, 0), "CAPACITY_FULL", PLAN) == "گروه 31، دختر"
    assert plan_row((1, 1, 1, 1, 1, 1), "CAPACITY_FULL", PLAN) == ""
    assert plan_row(None, "CAPACITY_FULL", PLAN) == ""
    old = [PlanLine("گروه 27، پسر", "CAPACITY_FULL", 3, 2, "10", 1)]   # kept before keys
    assert plan_row(KEYS, "CAPACITY_FULL", old) == ""


CODE = re.compile(r"[A-Z]{2,}_[A-Z_]+")


@pytest.mark.parametrize("failure", [*FailureClass, ""])
def test_every_class_has_operator_words_without_internal_codes(failure):
    words = suggestion("unallocated", str(failure))
    assert words.fa and words.en and not CODE.search(words.fa) and not CODE.search(words.en)
    assert re.search("[\u0600-\u06ff]", words.fa)
    if failure:
        assert suggestion("unallocated", str(failure)) != suggestion("unallocated", "")
        assert glossary.fa(glossary.FAILURE_CLASSES, str(failure)) != str(failure)


def test_every_kind_has_words_in_both_languages():
    assert set(KINDS) == {str(k) for k in ItemKind}
    assert all(t.fa != t.en for t in KINDS.values())


def test_a_placeholder_by_name_pattern_or_alias_range():
    assert is_placeholder("در  انتظار تخصیص پشتیبان", "", VIRTUAL)
    assert is_placeholder("پشتیبان فراگیر پسر", "1234", VIRTUAL)
    assert is_placeholder("علی", "7123", VIRTUAL) and is_placeholder("علی", "۷۰۰۰", VIRTUAL)
    assert not is_placeholder("علی", "8701", VIRTUAL) and not is_placeholder("علی", "", VIRTUAL)
    assert not is_placeholder("علی", "6999", VIRTUAL)


# --- the handler on fakes ----------------------------------------------------------------


@dataclass
class FakeRun:
    """``RunDecisions`` in memory: the run's lines by national id."""

    lines: dict[str, Decided]
    read: dict[str, tuple[str, str]] = field(default_factory=dict)
    plan_lines: list[PlanLine] = field(default_factory=list)

    def mentors(self):
        return self.read

    def decided(self, *, mentors, national_ids):
        return [d for n, d in self.lines.items()
                if not d.mentor_id or d.mentor_id in mentors or n in national_ids]

    def contains(self, national_ids):
        return set(national_ids) & set(self.lines)

    def plan(self):
        return self.plan_lines


@dataclass
class FakeStore:
    run_list: list[RunOnRecord]
    kept: dict[str, FakeRun]
    names: dict[str, str] = field(default_factory=dict)
    held: dict[str, tuple[str, str]] = field(default_factory=dict)   # nid → (mentor, run)
    flags: dict[str, Flag] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)

    def runs(self):
        return self.run_list

    def open_run(self, run):
        return self.kept[run.run_id]

    def mentor_names(self):
        return self.names

    def holdings(self, national_ids):
        return {n: self.held[n][0] for n in national_ids if n in self.held}

    def on_mentors(self, mentor_ids):
        return {n: h for n, h in self.held.items() if h[0] in mentor_ids}

    def open_flags(self):
        return self.flags

    def reviewed(self):
        return self.changed


def _line(nid, run, mentor="", failure="", reason=""):
    return Decided(nid, run, mentor, failure, reason, KEYS)


def _store():
    """r1 then r2 (recorded), r3 failed QA. Student 1 unallocated in both r1 and r2; student
    2 unallocated in r1, allocated in r2; student 3 on placeholder 7001 (by alias); student
    4 on «فراگیر» mentor 55 (by the database's name); student 5 allocated to 20."""
    r1 = FakeRun({"1": _line("1", "r1", failure="CAPACITY_FULL", reason="old"),
                  "2": _line("2", "r1", failure="ELIGIBILITY_NO_MATCH", reason="r1"),
                  "3": _line("3", "r1", "7001")},
                 read={"7001": ("علی", "7001")}, plan_lines=PLAN)
    r2 = FakeRun({"1": _line("1", "r2", failure="CAPACITY_FULL", reason="new"),
                  "2": _line("2", "r2", "20"), "4": _line("4", "r2", "55"),
                  "5": _line("5", "r2", "20")}, read={"20": ("رضا", "1020"), "55": ("x", "")})
    r3 = FakeRun({"6": _line("6", "r3", failure="CAPACITY_FULL", reason="qa")})
    runs = [RunOnRecord("r1", "1", True, ""), RunOnRecord("r2", "2", True, ""),
            RunOnRecord("r3", "3", False, "")]
    return FakeStore(runs, {"r1": r1, "r2": r2, "r3": r3},
                     names={"20": "رضا", "55": "پشتیبان فراگیر", "7001": "علی"},
                     held={"2": ("20", "r2"), "3": ("7001", "r1"), "4": ("55", "r2"),
                           "5": ("20", "r2")})


def _listed(items):
    return [(i.national_id, i.run_id, i.kind) for i in items]


def test_across_runs_the_latest_decision_of_each_student_wins():
    items = review_list(_store(), VIRTUAL)
    assert _listed(items) == [("1", "r2", "unallocated"), ("3", "r1", "placeholder"),
                              ("4", "r2", "placeholder")]
    assert items[0].reason == "new"                     # r2's reason, once
    assert items[0].plan_row == ""                      # r2 kept no plan
    # student 2 was allocated by r2: r1's line of it is superseded, not "resolved"
    assert [i.national_id for i in review_list(_store(), VIRTUAL, include_resolved=True)] \
        == ["1", "3", "4"]


def test_one_run_shows_its_own_lines_against_now():
    items = review_list(_store(), VIRTUAL, run_id="r1", include_resolved=True)
    assert _listed(items) == [("1", "r1", "unallocated"), ("3", "r1", "placeholder"),
                              ("2", "r1", "unallocated")]
    assert [i.resolved for i in items] == [False, False, True]   # 2 holds mentor 20 now
    assert items[0].plan_row == "گروه 27، پسر" and items[0].reason == "old"
    assert _listed(review_list(_store(), VIRTUAL, run_id="r1")) == _listed(items[:2])


def test_kind_filter_and_refusals():
    store = _store()
    assert _listed(review_list(store, VIRTUAL, kind="placeholder")) == [
        ("3", "r1", "placeholder"), ("4", "r2", "placeholder")]
    with pytest.raises(InputError):
        review_list(store, VIRTUAL, kind="waiting")
    with pytest.raises(NotFoundError):
        review_list(store, VIRTUAL, run_id="nope")
    with pytest.raises(ConflictError) as err:
        review_list(store, VIRTUAL, run_id="r3")            # QA failed: never listed
    assert err.value.problems[0].code == "REVIEW_LIST_RUN_NOT_RECORDED"
    assert "6" not in {i.national_id for i in review_list(store, VIRTUAL)}


def test_moves_releases_and_flags_since_the_run():
    store = _store()
    store.held["3"] = ("20", "r1")                          # moved to a real mentor
    store.held.pop("5")                                     # released
    store.held["1"] = ("7002", "r2")                        # assigned to a placeholder
    store.names["7002"] = "در انتظار تخصیص پشتیبان"
    store.changed |= {"1", "3", "5"}
    store.flags = {"5": Flag("5", "پیگیری", "op", "t", "r2"),
                   "9": Flag("9", "خارج از اجراها", "op", "t", "r0")}
    items = review_list(store, VIRTUAL)
    assert _listed(items) == [("5", "r2", "unallocated"), ("1", "r2", "placeholder"),
                              ("4", "r2", "placeholder"), ("9", "r0", "flagged"),
                              ("5", "r2", "flagged")]
    assert items[0].reason == RELEASED.fa and items[0].flagged_reason == "پیگیری"
    with pytest.raises(NotFoundError):
        review_list(store, VIRTUAL, run_id="r0")            # r0 is not a run on record
    assert [i.kind for i in review_list(store, VIRTUAL, include_resolved=True)].count(
        "placeholder") == 3                                  # 3's move shows as resolved


def test_a_placeholder_assigned_by_review_outside_every_listed_line():
    store = _store()
    store.held["8"] = ("7001", "r2")                        # r2's line of 8 is not kept
    items = review_list(store, VIRTUAL, kind="placeholder")
    assert ("8", "r2", "placeholder") in _listed(items)
    assert ("8", "r2", "placeholder") not in _listed(
        review_list(store, VIRTUAL, run_id="r1", kind="placeholder"))
