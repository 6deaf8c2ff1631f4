"""Leave a batch's objects unfreed in a process that exits without teardown.

A 100k run's records, decisions, Sabt rows and history entries are ~10⁷ small objects; freeing
them when the run's frames return took ~0.25 s of the command's wall time (issue P, measured),
right before ``cli.console`` leaves with ``os._exit``, which frees nothing and lets the system
take the memory back at once. So such a process opts in (``exiting_without_teardown``) and the
run hands what it built to ``keep_until_exit``. Any other process (the API server, a worker,
a test) has not opted in: ``keep_until_exit`` keeps nothing there, and memory is freed as ever.
"""

from __future__ import annotations

import gc

_kept: list[tuple[object, ...]] = []
_state = {"keeping": False}


def exiting_without_teardown() -> None:
    """This process leaves by ``os._exit`` once its command is done (``cli.console``)."""
    _state["keeping"] = True


def keep_until_exit(*objects: object) -> None:
    """Hold ``objects`` until the process exits, if it exits without teardown; else nothing."""
    if _state["keeping"]:
        _kept.append(objects)
        gc.freeze()   # and the collector never scans them again (0.5 s at 100k, measured)


def kept() -> int:
    """How many hand-overs are held (tests, diagnostics)."""
    return len(_kept)
