"""Every package imports on its own, in a fresh interpreter: an import cycle hidden by the
order in which a test session happens to import things fails here (import-linter's
``acyclic_siblings`` contract fails ``make lint`` on the cycle itself)."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", [
    "smartalloc.entrypoints.web",            # imported the API, which installed the web: cycle
    "smartalloc.adapters.db.auth_schema",    # imported schema, which imported auth_schema
    "smartalloc.entrypoints.service",
    "smartalloc.entrypoints.api",
])
def test_the_module_imports_alone(module):
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
