"""A wall-clock limit per answer: past it, the check stops and the answer is invalid.

Uses an interval timer (SIGALRM) where it can (the main thread of a Unix process); elsewhere
the structural limits of the parser and the evaluators bound the work, and batch graders run
answers in worker processes with their own time limit.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager


class Timeout(Exception):
    """The answer took longer than its time limit to check."""


def _raise(signum, frame):
    raise Timeout()


@contextmanager
def deadline(seconds: float):
    usable = (seconds and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return
    import time

    outer, _ = signal.getitimer(signal.ITIMER_REAL)  # an enclosing deadline, if any
    start = time.monotonic()
    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, min(seconds, outer) if outer else seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:  # give the enclosing deadline what it has left (at least a tick)
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - start), 1e-3))
