"""The policy the tests run under: the shipped one with a manager → centre map.

The shipped policy names no manager (D16), so the hand-made mentors and the synthetic agencies
of the tests would all stop with CENTRE_UNMAPPED. Tests of that very rule use the shipped
policy itself (``shipped_policy``).
"""

from __future__ import annotations

import functools
import json
import tempfile
from importlib import resources
from pathlib import Path

from smartalloc.domain.policy import Policy, load_policy_mapping
from smartalloc.synthetic.managers import CENTRE_NAMES

# Managers no shipped policy has ever named: what a real agency's reports look like.
REAL_NAMES = {"زهرا کاظمی‌نژاد": 1, "مریم رضایی‌فر": 2}
TEST_CENTRES = {**{name: centre for centre, name in CENTRE_NAMES.items()}, "*": 0}


def shipped_policy_data() -> dict:
    return json.loads(resources.files("smartalloc.resources").joinpath("policy.json")
                      .read_text("utf-8"))


def shipped_policy(**changes) -> Policy:
    return load_policy_mapping({**shipped_policy_data(), **changes})


def make_policy(**changes) -> Policy:
    """The shipped policy, the test centre map, top-level keys replaced by ``changes``."""
    return shipped_policy(**{"center_manager_map": TEST_CENTRES, **changes})


@functools.cache
def policy_file_for_tests() -> Path:
    """``make_policy()`` as a file, for the service (``Settings.policy_path`` and, through
    ``SMARTALLOC_POLICY``, every service process a test starts)."""
    path = Path(tempfile.mkdtemp(prefix="smartalloc-test-policy-")) / "policy.json"
    path.write_text(make_policy().model_dump_json(indent=1), "utf-8")
    return path
