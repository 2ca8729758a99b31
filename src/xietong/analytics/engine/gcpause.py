"""Pause Python's cyclic garbage collector while result rows become Python objects.

Turning a few thousand result rows into dicts and hits allocates tens of thousands of
objects, and each allocation burst sets off collections that walk every object of
the process (Django, pyarrow, DuckDB: a web worker holds hundreds of thousands).
Those rows and hits hold no reference cycles, so reference counting frees them
anyway; pausing the collector for these short, bounded steps halves their time.
Never pause around a query: the collector is process-wide and the web server's
threads keep running.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector for the block; re-enable it if it was on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
