"""Where a run's time goes: with ``PLANNING_TIMING=1`` in the app's environment each run
writes its steps to stderr, one line each::

    [timing] <epoch s> <s since the run began> <cpu s since the run began> <step>

(the epoch lets a browser test line the server's steps up with the page's clock). Off,
each call costs one test of a constant.
"""

from __future__ import annotations

import os
import sys
import threading
import time

#: whether runs are timed (the ``PLANNING_TIMING`` environment variable, read at import)
ON = os.environ.get("PLANNING_TIMING", "") not in ("", "0")
_run = threading.local()  # each session's script runs in its own thread


def start(label: str = "run") -> None:
    """The run begins (the frame calls it first)."""
    if ON:
        _run.t0, _run.c0 = time.perf_counter(), time.process_time()
        lap(label)


def lap(label: str) -> None:
    """A step of the run is done: say when (no-op unless :data:`ON`)."""
    if ON:
        t0 = getattr(_run, "t0", None)
        if t0 is None:
            start()
            t0 = _run.t0
        print(f"[timing] {time.time():.3f} {time.perf_counter() - t0:.3f} "
              f"{time.process_time() - _run.c0:.3f} {label}", file=sys.stderr, flush=True)

