"""Group-list parsing (D2): separators, ranges intersected with the 33 codes, labels, unseen."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartalloc.domain.groups import BUILTIN_GROUP_NAMES, GroupParser, group_names, parse_group_list
from smartalloc.domain.policy import OFFICIAL_GROUP_CODES
from smartalloc.domain.records import Crosswalk, GroupName

from .alloc_fixtures import default_policy

POLICY = default_policy()


def codes(text: str, crosswalk: Crosswalk | None = None) -> tuple[int, ...]:
    return parse_group_list(text, POLICY, crosswalk).codes


def test_spec_example_ranges_are_intersected_with_the_official_codes():
    assert codes("27,31:35,41,43:46") == (27, 31, 33, 35, 41, 43, 45, 46)


@pytest.mark.parametrize("text", ["27،31:35،41،43:46", "27 31:35 41 43:46", "27, 31-35, 41, 43–46",
                                  "27,31—35,41,43 : 46", "۲۷،۳۱:۳۵،۴۱،۴۳:۴۶"])
def test_every_separator_range_dash_and_persian_digits(text):
    assert codes(text) == (27, 31, 33, 35, 41, 43, 45, 46)


def test_persian_list_with_arabic_comma_and_spaces():
    assert codes("۳ ، ۵ ، ۷:۹") == (3, 5, 7, 8, 9)
    parsed = parse_group_list("۲ ، ۴ ، ۶:۸", POLICY, None)
    assert parsed.codes == (7, 8)                 # 6:8 ∩ official = {7, 8}
    assert parsed.unseen == ("2", "4")            # single numbers outside the 33 codes
    assert parsed.invalid_token_count == 2


def test_ranges_spanning_non_existent_codes_never_invent_codes():
    assert codes("7:26") == (7, 8, 9, 11, 12, 14, 17, 18, 21, 22, 23, 24, 25, 26)
    assert codes("53:93") == (53, 55, 66, 69, 83, 89)
    parsed = parse_group_list("1,3,5,7:26,29:30,53:93", POLICY, None)
    assert 10 not in parsed.codes and 13 not in parsed.codes and 54 not in parsed.codes
    assert parsed.unseen == () and parsed.invalid_token_count == 0


def test_unknown_tokens_are_unseen_and_the_rest_still_parses():
    parsed = parse_group_list("3, foo, 10, 35:31, 47:52, 5", POLICY, None)
    assert parsed.codes == (3, 5)
    assert parsed.unseen == ("foo", "10", "35:31", "47:52")
    assert parsed.invalid_token_count == 4


def test_repeated_bad_token_is_counted_each_time_but_listed_once():
    parsed = parse_group_list("x, 3, x", POLICY, None)
    assert parsed.unseen == ("x",) and parsed.invalid_token_count == 2


def test_bucket_labels_from_policy_with_zwnj_and_spelling_variants():
    assert codes("کل متوسطه 2") == (21, 22, 23, 24, 25, 26, 29, 30)
    assert codes("کل کنکوری‌ها") == (1, 3, 5, 7, 8, 9)
    assert codes("کل کنکوری ها") == (1, 3, 5, 7, 8, 9)   # space instead of ZWNJ
    assert codes("كل متوسط 1") == (27, 31, 33)           # Arabic ك, the real typo "متوسط"
    assert codes("کل متوسطه 1 و دبستان") == (27, 31, 33, 35, 41, 43, 45, 46)
    assert codes("کل دبستان، 3") == (3, 35, 41, 43, 45, 46)


def test_builtin_group_names_are_labels_when_there_is_no_crosswalk():
    assert codes("دهم تجربی") == (25,)
    assert codes("دوازدهم تجربی 5") == (3, 5)


def test_crosswalk_names_and_synonyms():
    cw = Crosswalk((GroupName(3, "تجربی دوازدهم"), GroupName(10, "کد غیررسمی")),
                   (("کنکور تجربی", "تجربی دوازدهم"), ("پایه اول", "27,31:33"),
                    ("بی‌ربط", "ناشناخته")))
    assert codes("تجربی دوازدهم", cw) == (3,)
    assert codes("کنکور تجربی", cw) == (3,)
    assert codes("پایه اول", cw) == (27, 31, 33)
    assert parse_group_list("کد غیررسمی", POLICY, cw).unseen == ("کد غیررسمی",)  # code 10
    assert parse_group_list("بی‌ربط", POLICY, cw).unseen == ("بی‌ربط",)


def test_group_names_fall_back_to_the_builtin_33_names():
    names = group_names(None)
    assert set(names) == set(OFFICIAL_GROUP_CODES) and len(BUILTIN_GROUP_NAMES) == 33
    assert names[3] == "دوازدهم تجربی" and names[46] == "دوم دبستان"
    cw = Crosswalk((GroupName(3, "تجربی"),))
    assert group_names(cw)[3] == "تجربی" and group_names(cw)[1] == "دوازدهم ریاضی"


def test_empty_text_is_empty_without_errors():
    assert parse_group_list("", POLICY, None) == parse_group_list("  ", POLICY, None)
    assert parse_group_list("", POLICY, None).codes == ()


@given(st.lists(st.sampled_from(OFFICIAL_GROUP_CODES), min_size=1, max_size=10),
       st.sampled_from([",", "،", " ", " ، "]))
def test_any_list_of_official_codes_round_trips(values, sep):
    parser = GroupParser(POLICY)
    parsed = parser.parse(sep.join(str(v) for v in values))
    assert parsed.codes == tuple(sorted(set(values))) and parsed.unseen == ()


@given(st.integers(0, 120), st.integers(0, 120))
def test_any_range_is_exactly_its_official_members(lo, hi):
    parsed = GroupParser(POLICY).parse(f"{lo}:{hi}")
    expected = tuple(c for c in OFFICIAL_GROUP_CODES if lo <= c <= hi)
    assert parsed.codes == expected
    assert (parsed.unseen == ()) == bool(expected)
