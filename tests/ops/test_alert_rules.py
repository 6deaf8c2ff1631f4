"""The alert rules pass ``promtool check rules`` and their unit tests (``promtool test rules``:
each alert fires on one case and stays silent on another), every dashboard query is valid
PromQL to promtool, and every alert tells the operator what it means in English and Persian
and where its runbook is. promtool is Debian's ``prometheus`` package (``.ci/run`` installs it);
without it these tests fail, they do not skip."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import yaml

from tests.ops.promql import DASHBOARDS, RULE_TESTS, RULES, dashboard_exprs, rules

PERSIAN = re.compile(r"[\u0600-\u06FF]")


def first_letter(text: str) -> str:
    """The first letter of ``text`` (a sheet's Persian name may follow in an English line)."""
    return next(c for c in text if c.isalpha())


def promtool(*args: str, cwd: Path = RULES.parent) -> subprocess.CompletedProcess:
    tool = shutil.which("promtool")
    assert tool, "promtool is missing: apt-get install prometheus (.ci/run does)"
    return subprocess.run([tool, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_rules_pass_promtool_check() -> None:
    done = promtool("check", "rules", RULES.name)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(list(rules()))} rules found" in done.stdout


def test_rules_pass_their_unit_tests() -> None:
    done = promtool("test", "rules", RULE_TESTS.name)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout + done.stderr


def test_every_alert_has_a_firing_and_a_silent_case() -> None:
    cases: dict[str, set[bool]] = {}
    for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]:
        for check in test["alert_rule_test"]:
            cases.setdefault(check["alertname"], set()).add(bool(check.get("exp_alerts")))
    assert {r["alert"]: {True, False} for r in rules()} == cases


def test_every_alert_explains_itself_in_both_languages() -> None:
    for rule in rules():
        notes = rule["annotations"]
        english, persian = notes["description"].strip().split("\n")
        assert not PERSIAN.search(notes["summary"]), rule["alert"]
        assert first_letter(english).isascii(), rule["alert"]
        assert PERSIAN.match(first_letter(persian)), rule["alert"]
        assert notes["runbook_url"] == f"docs/operations.md#{rule['alert'].lower()}"
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]


def test_dashboard_queries_are_valid_promql(tmp_path: Path) -> None:
    """Each query, its Grafana variables replaced, as a recording rule for promtool to parse."""
    exprs = [e for path in DASHBOARDS for e in dashboard_exprs(path)]
    assert len(exprs) > 30
    records = [{"record": f"dashboard:query_{i}", "expr": e} for i, e in enumerate(exprs)]
    path = tmp_path / "dashboards.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": records}]}))
    done = promtool("check", "rules", path.name, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(records)} rules found" in done.stdout
