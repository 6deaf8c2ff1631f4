"""Every file and folder a SmartAlloc process makes is its account's alone (0600 / 0700): the
database (password hashes, national ids), uploads, workbooks, explanations, crash logs and
keys all hold personal data or secrets (issue I found them 0644). Set once at process start by
the command line and by the ASGI module (uvicorn's worker processes import it, not the CLI)."""

from __future__ import annotations

import os


def private_files() -> None:
    os.umask(0o077)
