"""Imported by the job forkserver alone (``job_process`` names it as the preload): the job
code is loaded once, and the forkserver leaves at once when the service dies.

The forkserver exits when the service's end of its liveness pipe closes; a normal interpreter
exit then finalises every preloaded module (up to two seconds on a loaded machine), during
which it lingers as an orphan. It holds nothing of ours, so it skips that (``os._exit``).
Job processes forked from it never run exit handlers (multiprocessing ends them by
``os._exit``), so this concerns the forkserver only.
"""

from __future__ import annotations

import atexit
import os

import smartalloc.entrypoints.api.job_process  # noqa: F401  (what every job runs)

atexit.register(os._exit, 0)
