"""The input roles are defined once (``InputPaths``' fields); every other list of them — the
export file patterns, the API's run body and upload kinds, the web's upload form — covers
exactly those roles, so a new report cannot be forgotten in one place."""

from __future__ import annotations

from smartalloc.entrypoints.api.routes_runs import RunBody
from smartalloc.entrypoints.inputs import PATTERNS, REQUIRED
from smartalloc.entrypoints.web.routes_run import FILE_ROLES
from smartalloc.service_layer.ports import INPUT_ROLES, InputPaths
from smartalloc.service_layer.uploads import UPLOAD_ROLES


def test_every_list_of_roles_is_the_one_list():
    assert INPUT_ROLES == ("inspactor", "schools", "students", "managers", "crosswalk", "roster")
    assert tuple(PATTERNS) == INPUT_ROLES
    assert tuple(r for r in RunBody.model_fields if r in PATTERNS) == INPUT_ROLES
    assert sorted(r for roles in UPLOAD_ROLES.values() for r in roles) == sorted(INPUT_ROLES)
    assert UPLOAD_ROLES["students"][0] == "students" and UPLOAD_ROLES["mentors"][0] == "inspactor"
    assert tuple(role for role, _, _ in FILE_ROLES) == INPUT_ROLES
    assert {role for role, _, required in FILE_ROLES if required} == set(REQUIRED)


def test_input_paths_list_the_reports_given_in_reading_order(tmp_path):
    paths = InputPaths(tmp_path / "i.xlsx", tmp_path / "s.xlsx", roster=tmp_path / "r.xlsx")
    assert [role for role, _ in paths.items()] == ["inspactor", "schools", "roster"]
