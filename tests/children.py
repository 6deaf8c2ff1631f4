"""Forked children as tests see them."""

from __future__ import annotations

import os


def reaped(pid: int) -> bool:
    """The child ``pid`` is gone and was waited for (no zombie, nothing still running)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False
