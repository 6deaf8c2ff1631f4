"""One retry rule for the whole system: exponential backoff, capped, optionally jittered.

Used by the run's commit (a locked or briefly unreachable store), the relay and the consumer
(a broker or database outage). A ``SmartAllocError`` is a verdict, not a fault — it is never
retried; anything else from the outside world is taken for transient until the attempts run
out. Written here rather than taken from a retry library: the rule is ten lines, the async
callers wait on a stop event instead of sleeping (see ``adapters.messaging.broker``), and the
sync caller must turn the last failure into the operator's message (decisions.md).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from smartalloc.domain.errors import SmartAllocError

T = TypeVar("T")


def backoff(failures: int, base: float, cap: float, jitter: float = 0.0,
            rng: random.Random | None = None) -> float:
    """``base`` · 2^(failures-1), capped (0.5, 1, 2, 4 … 30 s by default), then shortened by up
    to ``jitter`` (0.2 = at most 20 %) so clients dropped together do not reconnect in step.
    Jitter only shortens: the unjittered value is a bound tests can wait for."""
    delay = min(cap, base * 2 ** min(max(0, failures - 1), 62))
    return delay * (1 - jitter * (rng or random).random()) if jitter else delay


def retrying(attempt: Callable[[], T], *, attempts: int, base: float = 0.05, cap: float = 1.0,
             gave_up: Callable[[int, Exception], BaseException],
             sleep: Callable[[float], object] = time.sleep) -> T:
    """``attempt()`` until it returns, at most ``attempts`` times, backing off between tries.
    A ``SmartAllocError`` is raised at once; after the last transient failure the exception
    ``gave_up(attempts, last)`` is raised from it."""
    for tried in range(1, attempts + 1):
        try:
            return attempt()
        except SmartAllocError:
            raise
        except Exception as exc:  # the outside world failed: try again, or give up
            if tried == attempts:
                raise gave_up(attempts, exc) from exc
            sleep(backoff(tried, base, cap))
    raise AssertionError("unreachable: attempts must be ≥ 1")
