"""Load the policy from a JSON file (or the shipped default) and publish its JSON Schema."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path

from smartalloc.domain.errors import Location, PolicyError, Problem
from smartalloc.domain.policy import Policy, load_policy_mapping

DEFAULT_NAME = "policy.json"
SCHEMA_NAME = "policy.schema.json"


def default_policy_text() -> str:
    return resources.files("smartalloc.resources").joinpath(DEFAULT_NAME).read_text("utf-8")


def load_policy(path: Path | None = None) -> Policy:
    """The policy at ``path``, or the shipped default when ``path`` is None."""
    source = str(path) if path else f"smartalloc/resources/{DEFAULT_NAME}"
    try:
        text = Path(path).read_text("utf-8") if path else default_policy_text()
    except OSError as exc:
        raise PolicyError(Problem("POLICY_UNREADABLE", f"فایل سیاست خوانده نشد: {exc}",
                                  f"cannot read the policy file: {exc}", Location(file=source))) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicyError(Problem(
            "POLICY_NOT_JSON", f"فایل سیاست JSON معتبر نیست (خط {exc.lineno}، ستون {exc.colno}): {exc.msg}",
            f"policy file is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}",
            Location(file=source))) from None
    return load_policy_mapping(data, source)


def write_policy(path: Path, policy: Policy) -> None:
    """The policy as its JSON file (the form the shipped one has), whole or not at all: a
    half-written policy would stop every later run."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(policy.model_dump(mode="json"), ensure_ascii=False, indent=2)
                   + "\n", encoding="utf-8")
    os.replace(tmp, path)


def policy_json_schema() -> str:
    """The JSON Schema of the policy, generated from the Pydantic model (stable text)."""
    schema = Policy.model_json_schema()
    schema["$id"] = "https://smartalloc.local/schema/policy.schema.json"
    schema["title"] = "SmartAlloc policy"
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def shipped_schema_text() -> str:
    return resources.files("smartalloc.resources").joinpath(SCHEMA_NAME).read_text("utf-8")
