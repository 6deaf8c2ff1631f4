"""The backup manifest (pure): it round-trips through JSON, refuses what is not a manifest,
names each difference between expected and found facts, and calls a schema-only database
empty."""

from __future__ import annotations

import json

import pytest

from smartalloc.service_layer.backup_manifest import DatabaseFacts, Manifest, backup_name

FACTS = DatabaseFacts("0006", {"alembic_version": 1, "تخصیص_ها": 200, "شمارنده_ها": 2},
                      ((1404, "357", 158), (1404, "373", 212)))
MANIFEST = Manifest("sqlite", "smartalloc-sqlite-20261125T010000Z.sqlite", "ab" * 32, 4096,
                    "2026-11-25T01:00:00+00:00", FACTS, None, "0.1.0")


def test_a_manifest_round_trips_through_json():
    assert Manifest.from_json(MANIFEST.to_json()) == MANIFEST
    encrypted = Manifest("postgresql", "x.pgdump.age", "cd" * 32, 1, "t", FACTS, "age-x25519")
    assert Manifest.from_json(encrypted.to_json()) == encrypted


@pytest.mark.parametrize("change, field", [
    ({"format": "other/1"}, "manifest"),
    ({"engine": "mysql"}, "engine"),
    ({"sha256": "XYZ"}, "sha256"),
    ({"size": -1}, "size"),
    ({"tables": {"t": -3}}, "tables"),
    ({"encryption": "rot13"}, "encryption"),
    ({"counters": [[1404, "357"]]}, "malformed"),
])
def test_a_bad_manifest_is_refused_naming_the_field(change, field):
    data = {**json.loads(MANIFEST.to_json()), **change}
    with pytest.raises(ValueError, match=field):
        Manifest.from_json(json.dumps(data))


def test_not_json_is_refused():
    with pytest.raises(ValueError, match="not JSON"):
        Manifest.from_json("{truncated")


def test_differences_name_each_table_counter_and_schema():
    found = DatabaseFacts("0005", {"alembic_version": 1, "تخصیص_ها": 150, "منتورها": 3},
                          ((1404, "357", 158),))
    diffs = FACTS.differences(found)
    assert "schema 0006 != 0005" in diffs
    assert "تخصیص_ها: 200 rows != 150 rows" in diffs
    assert "شمارنده_ها: 2 rows != missing" in diffs
    assert "منتورها: missing != 3 rows" in diffs
    assert any(d.startswith("counters") for d in diffs)
    assert FACTS.differences(FACTS) == []


def test_the_version_row_alone_is_not_data():
    assert DatabaseFacts("0006", {"alembic_version": 1, "منتورها": 0}, ()).non_empty() == {}
    assert FACTS.non_empty() == {"تخصیص_ها": 200, "شمارنده_ها": 2}
    assert FACTS.rows == 203


def test_backup_names_sort_by_time_and_show_the_format():
    assert backup_name("sqlite", "20261125T010000Z", encrypted=False) == \
        "smartalloc-sqlite-20261125T010000Z.sqlite"
    assert backup_name("postgresql", "20261125T010000Z", encrypted=True) == \
        "smartalloc-postgresql-20261125T010000Z.pgdump.age"
