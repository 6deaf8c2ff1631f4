"""Fuzzing: every test counts the hostile inputs it ran (``COUNT``); each asserts its quota and
the quotas add up to at least 10,000. Hypothesis runs derandomized (the same inputs on every
machine), without a deadline and without writing a .hypothesis folder."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, settings

COUNT: Counter[str] = Counter()
QUOTAS = {"readers": 7_000, "raw_files": 1_500, "upload_api": 1_200, "special_files": 12,
          "exported_cells": 1_000}
assert sum(QUOTAS.values()) >= 10_000

FUZZ = settings(deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture,
                                       HealthCheck.large_base_example])


def pytest_terminal_summary(terminalreporter) -> None:
    if COUNT:
        terminalreporter.write_line(
            f"fuzz inputs: {sum(COUNT.values()):,} ({', '.join(f'{k} {v:,}' for k, v in sorted(COUNT.items()))})")


@pytest.fixture(scope="session")
def bases(small_agency):
    """Header + 5 rows of every input the synthetic agency has, by reader role."""
    from python_calamine import CalamineWorkbook

    out = {}
    for role in ("students", "inspactor", "schools", "managers", "crosswalk", "roster"):
        wb = CalamineWorkbook.from_path(str(getattr(small_agency, role)))
        out[role] = [(name, wb.get_sheet_by_name(name).to_python()[:6])
                     for name in wb.sheet_names]
    return out
