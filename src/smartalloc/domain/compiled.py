"""The compiled hot loops of a batch (``batch_kernel.pyx``), or None when they are not built.

`make env` compiles them; every caller keeps a Python reference with the same answers, so an
unbuilt checkout is slower, never different (tests/unit/test_batch_kernel.py holds them equal).
"""

from __future__ import annotations

from types import ModuleType

kernel: ModuleType | None
try:
    from smartalloc.domain import batch_kernel as kernel
except ImportError:
    kernel = None
