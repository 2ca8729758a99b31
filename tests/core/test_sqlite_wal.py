"""The background WAL checkpointer takes checkpoints off the request path."""

import sqlite3
import time

from django.db import connection

from xietong.core.sqlite_wal import checkpoint_once, start_checkpointer


def _writer(path):
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")  # only the checkpointer copies back
    conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)")
    return conn


def _write(conn, n=200):
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO t (v) VALUES (?)", [("线索" * 200,)] * n)
    conn.execute("COMMIT")


def _log_frames(conn) -> int:
    # A NOOP-like probe: PASSIVE with nothing new to copy reports the log's size.
    return conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]


def test_a_checkpoint_copies_the_whole_log_back_and_the_log_restarts(tmp_path):
    path = str(tmp_path / "x.sqlite3")
    writer = _writer(path)
    _write(writer)
    other = sqlite3.connect(path, isolation_level=None)
    busy, frames, done = checkpoint_once(other)
    assert busy == 0 and frames > 50 and done == frames
    _write(writer, 1)  # the next write starts the log from the beginning again
    assert _log_frames(other) < frames
    assert writer.execute("SELECT count(*) FROM t").fetchone()[0] == 201


def test_the_thread_checkpoints_in_the_background(tmp_path):
    path = tmp_path / "y.sqlite3"
    writer = _writer(str(path))
    _write(writer)
    # With automatic checkpoints off, the rows are only in the log: the database file
    # grows only when a checkpoint copies them back.
    before = path.stat().st_size
    assert before < 64 * 1024
    thread = start_checkpointer(str(path), interval=0.05)
    assert thread is not None and thread.daemon and thread.is_alive()
    assert start_checkpointer(str(path), interval=0.05) is thread  # one per database
    deadline = time.monotonic() + 10  # wait, at most 10 s, for the thread to do it
    while time.monotonic() < deadline and path.stat().st_size == before:
        time.sleep(0.05)
    assert path.stat().st_size > 200 * 1024


def test_disabled_or_not_sqlite(settings, tmp_path):
    assert start_checkpointer(str(tmp_path / "z.sqlite3"), interval=0) is None
    settings.XIETONG_SQLITE_CHECKPOINT_SECONDS = 0  # disabled in the settings
    assert start_checkpointer(str(tmp_path / "z.sqlite3")) is None
    if connection.vendor != "sqlite":  # the suite's second run, on PostgreSQL
        settings.XIETONG_SQLITE_CHECKPOINT_SECONDS = 1
        assert start_checkpointer() is None
