"""What the ops files (ops/grafana/*.json, ops/prometheus/alerts.yml) ask Prometheus for: their
PromQL expressions, the metric names in them and the label values they match on."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import yaml

OPS = Path(__file__).resolve().parents[2] / "ops"
RULES = OPS / "prometheus" / "alerts.yml"
RULE_TESTS = OPS / "prometheus" / "alerts_test.yml"
DASHBOARDS = sorted((OPS / "grafana").glob("*.json"))

# Grafana's variables, replaced by what Prometheus would see.
_VARIABLES = {"$__range": "7d", "$__interval": "5m", "$__rate_interval": "5m", "$window": "1d"}
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or",
             "unless", "offset", "bool", "inf", "nan"}
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_NAME = re.compile(r"(?<![\w:$.])[a-zA-Z_:][a-zA-Z0-9_:]*")
_MATCHER = re.compile(r'(\w+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')


def grafana_to_promql(expr: str) -> str:
    for variable, value in _VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr


def dashboard_exprs(path: Path) -> list[str]:
    found = []

    def walk(panels: list[dict]) -> None:
        for panel in panels:
            found.extend(t["expr"] for t in panel.get("targets", []) if t.get("expr"))
            walk(panel.get("panels", []))

    walk(json.loads(path.read_text())["panels"])
    return [grafana_to_promql(e) for e in found]


def rules() -> Iterator[dict]:
    for group in yaml.safe_load(RULES.read_text())["groups"]:
        yield from group["rules"]


def all_exprs() -> dict[str, list[str]]:
    """Expressions by the file (and alert) that holds them."""
    exprs = {f"alerts.yml:{r['alert']}": [r["expr"]] for r in rules()}
    for path in DASHBOARDS:
        exprs[path.name] = dashboard_exprs(path)
    return exprs


def metric_names(expr: str) -> set[str]:
    """Every metric name in ``expr``: not a function, keyword, label or duration."""
    expr = _STRING.sub('""', expr)                 # label values, e.g. "…/import"
    expr = re.sub(r"\{[^}]*\}", " ", expr)         # label matchers
    expr = re.sub(r"\[[^\]]*\]", " ", expr)        # ranges
    expr = _GROUPING.sub(" ", expr)                # by (le, stage), on (), …
    expr = re.sub(r"\boffset\s+\w+", " ", expr)
    names = set()
    for found in _NAME.finditer(expr):
        is_call = expr[found.end():].lstrip().startswith("(")
        if not is_call and found.group().lower() not in _KEYWORDS:
            names.add(found.group())
    return names


def matchers(expr: str) -> list[tuple[str, str, str]]:
    """(label, operator, value) of every label matcher in ``expr``."""
    return _MATCHER.findall(" ".join(re.findall(r"\{[^}]*\}", expr)))
