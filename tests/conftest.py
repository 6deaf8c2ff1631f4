"""Shared fixtures: a small synthetic agency generated once per test session."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.policies import REAL_NAMES, make_policy, policy_file_for_tests

# The pseudonym key of every process the tests start (the service and workers refuse to start
# without one; a killed worker's events and the reference run's must name students alike).
TEST_EVENT_KEY = "tests-pseudonym-key-0123456789-abcdefghijklmnop"


def pytest_configure(config):
    """Service processes started by tests (``Settings.from_env``) run under the test policy
    and the tests' pseudonym key, with a data folder of their own: never the machine's (its
    settings file, database or key would leak into the tests, and the tests into it)."""
    os.environ["SMARTALLOC_POLICY"] = str(policy_file_for_tests())
    os.environ["SMARTALLOC_EVENT_KEY"] = TEST_EVENT_KEY
    os.environ["SMARTALLOC_DATA_DIR"] = tempfile.mkdtemp(prefix="smartalloc-tests-")


@pytest.fixture(scope="session")
def policy():
    return make_policy()


@pytest.fixture(scope="session")
def small_agency(tmp_path_factory, policy):
    """200 students / 40 mentors, seed 7 — read-only: copy before modifying."""
    from smartalloc.synthetic import generate_agency

    out: Path = tmp_path_factory.mktemp("agency")
    return generate_agency(out, students=200, mentors=40, seed=7, policy=policy)


@pytest.fixture(scope="session")
def agency_policy(small_agency):
    """The small agency's own policy.json: its managers mapped, its mentor 9 frozen."""
    from smartalloc.adapters.policy_file import load_policy

    return load_policy(small_agency.policy)


@pytest.fixture(scope="session")
def real_agency(tmp_path_factory):
    """A generated agency whose Golestan and Sadra managers carry names no shipped policy maps
    (``REAL_NAMES``); its own policy.json maps them. Read-only: copy before modifying."""
    from smartalloc.synthetic import generate_agency

    return generate_agency(tmp_path_factory.mktemp("real"), students=200, mentors=40, seed=31,
                           policy=make_policy(center_manager_map=REAL_NAMES))
