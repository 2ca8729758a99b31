"""SQLite WAL checkpoints off the request path.

In WAL mode every commit appends to the log, and by default the commit that takes the log
past 1,000 pages copies it back into the database file itself: that request pays for
everyone's writes. The server runs ``start_checkpointer()`` instead: a daemon thread per
process with its own connection runs a PASSIVE checkpoint every few seconds (it never waits
for, nor blocks, readers and writers), so the log is copied back while requests go on and
restarts from the beginning at the next write. ``wal_autocheckpoint`` stays as a larger
safety net (settings: ``XIETONG_SQLITE_AUTOCHECKPOINT``).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

log = logging.getLogger(__name__)
_lock = threading.Lock()
_threads: dict[str, threading.Thread] = {}


def checkpoint_once(conn: sqlite3.Connection) -> tuple[int, int, int]:
    """One PASSIVE checkpoint: (busy, frames in the log, frames copied back)."""
    busy, frames, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return busy, frames, done


def _run(path: str, interval: float) -> None:
    conn = sqlite3.connect(
        path, timeout=0, isolation_level=None, check_same_thread=False
    )
    while True:
        time.sleep(interval)
        try:
            checkpoint_once(conn)
        except sqlite3.Error as exc:  # e.g. locked by a checkpoint in another process
            log.debug("WAL checkpoint skipped: %s", exc)


def start_checkpointer(
    path: str | None = None, interval: float | None = None
) -> threading.Thread | None:
    """Start this process's checkpointer for the SQLite file ``path`` (default: the
    configured database); a no-op on PostgreSQL, when disabled (interval 0) or when one
    runs already."""
    if path is None or interval is None:
        from django.conf import settings

        if path is None:
            db = settings.DATABASES["default"]
            if not db["ENGINE"].endswith("sqlite3"):
                return None
            path = str(db["NAME"])
        if interval is None:
            interval = settings.XIETONG_SQLITE_CHECKPOINT_SECONDS
    if interval <= 0:
        return None
    with _lock:
        running = _threads.get(path)
        if running is not None and running.is_alive():
            return running
        thread = threading.Thread(
            target=_run,
            args=(path, interval),
            name="sqlite-wal-checkpoint",
            daemon=True,
        )
        thread.start()
        _threads[path] = thread
        return thread
