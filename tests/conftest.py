"""Shared fixtures: a small synthetic agency generated once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from smartalloc.adapters.policy_file import load_policy


@pytest.fixture(scope="session")
def policy():
    return load_policy(None)


@pytest.fixture(scope="session")
def small_agency(tmp_path_factory, policy):
    """200 students / 40 mentors, seed 7 — read-only: copy before modifying."""
    from smartalloc.synthetic import generate_agency

    out: Path = tmp_path_factory.mktemp("agency")
    return generate_agency(out, students=200, mentors=40, seed=7, policy=policy)
