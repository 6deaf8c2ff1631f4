"""Resolve the input files and the policy of a command from flags or from an agency folder."""

from __future__ import annotations

from pathlib import Path

from smartalloc.bootstrap import load_policy
from smartalloc.domain.errors import input_error
from smartalloc.domain.policy import Policy
from smartalloc.entrypoints import render
from smartalloc.entrypoints.input_files import PATTERNS, find_report
from smartalloc.service_layer.ports import RUN_REQUIRED_ROLES, InputPaths

REQUIRED = RUN_REQUIRED_ROLES


def resolve_inputs(agency: Path | None, *, required: tuple[str, ...] = REQUIRED,
                   **flags: Path | None) -> InputPaths:
    """Explicit flags win; missing ones are looked up in ``agency`` by file-name pattern."""
    found: dict[str, Path | None] = {}
    for role in PATTERNS:
        path = flags.get(role)
        if path is None and agency is not None:
            path = find_report(agency, role)
        found[role] = path
    for role in required:
        if found[role] is None:
            raise input_error(
                "INPUT_NOT_GIVEN", f"فایل ورودی «{role}» مشخص نشده است (--{role} یا --agency)",
                f"input '{role}' was not given (use --{role} or --agency)",
                file=str(agency or ""))
    for path in found.values():
        if path is not None and not path.is_file():
            raise input_error("INPUT_MISSING", "فایل ورودی پیدا نشد", "input file not found",
                              file=str(path))
    return InputPaths(**found)


def resolve_policy_path(agency: Path | None, policy: Path | None) -> Path | None:
    """Which policy file a command uses: ``--policy`` wins, then ``DIR/policy.json`` of
    ``--agency DIR`` (the agency's own, as `smartalloc setup` or the generator write it), else
    None — the shipped default."""
    if policy is not None:
        return policy
    own = agency / "policy.json" if agency is not None else None
    return own if own is not None and own.is_file() else None


def choose_policy(agency: Path | None, path: Path | None) -> Policy:
    """The policy of a command, said in its first line (path + stamp) so an operator always
    knows which rules ran: ``--policy``, else ``DIR/policy.json``, else the shipped default."""
    chosen = resolve_policy_path(agency, path)
    policy = load_policy(chosen)
    where = str(chosen) if chosen else "سیاست پیش‌فرض برنامه / the built-in default policy"
    render.err_console.print(f"سیاست / policy: {where} ({policy.stamp})", highlight=False,
                             soft_wrap=True)
    return policy
