"""The policy file: shipped default, generated JSON Schema, errors that name key and value."""

from __future__ import annotations

import json

import pytest

from smartalloc.adapters.policy_file import (
    default_policy_text,
    load_policy,
    policy_json_schema,
    shipped_schema_text,
)
from smartalloc.domain.errors import PolicyError
from smartalloc.domain.policy import load_policy_mapping


def _data() -> dict:
    return json.loads(default_policy_text())


def test_shipped_default_loads_and_has_a_version_stamp():
    policy = load_policy(None)
    assert policy.stamp.startswith("1.0.3+") and len(policy.stamp) == len("1.0.3+") + 10
    assert len(policy.join_keys) == 6 and len(policy.official_group_codes) == 33
    # D16: no made-up manager names, no default centre, no sample governance
    assert policy.center_manager_map == {} and policy.default_center is None
    assert not policy.mentor_pool_governance.mentors
    assert not policy.mentor_pool_governance.managers


def test_stamp_changes_with_any_rule():
    data = _data()
    data["capacity"]["default_capacity"] = 61
    assert load_policy_mapping(data).stamp != load_policy(None).stamp


def test_shipped_schema_is_generated_from_the_model():
    assert shipped_schema_text() == policy_json_schema(), "run: smartalloc policy schema --out ..."


@pytest.mark.parametrize(("change", "key", "value"), [
    ({"join_keys": ["کدرشته"]}, "join_keys", "کدرشته"),
    ({"ranking": ["min_happiness"]}, "ranking.0", "min_happiness"),
    ({"center_manager_map": {"x": 7}}, "center_manager_map['x']", "7"),
    ({"colour": "blue"}, "colour", "blue"),
    ({"capacity": {"default_capacity": -1}}, "capacity.default_capacity", "-1"),
])
def test_errors_name_the_key_and_the_value(change, key, value):
    data = {**_data(), **change}
    with pytest.raises(PolicyError) as err:
        load_policy_mapping(data, "p.json")
    text = str(err.value)
    assert key in text and value in text and "p.json" in text


def test_not_json_names_line_and_column(tmp_path):
    bad = tmp_path / "p.json"
    bad.write_text('{"version": "1",\n  oops}', "utf-8")
    with pytest.raises(PolicyError) as err:
        load_policy(bad)
    assert "line 2" in str(err.value)
