"""Test settings: the real database named by DATABASE_URL (PostgreSQL in CI) or SQLite."""

import os
import tempfile
from pathlib import Path

_home = Path(tempfile.mkdtemp(prefix="xietong-test-"))
if os.environ.get("PYTEST_XDIST_WORKER"):
    # xdist workers inherit the controller's XIETONG_HOME; each needs its own, or two
    # workers' datasets (same primary keys in their own databases) overwrite each
    # other's files under datasets/<pk>/.
    os.environ["XIETONG_HOME"] = str(_home)
else:
    os.environ.setdefault("XIETONG_HOME", str(_home))

from .base import *  # noqa: E402,F403

SECRET_KEY = "test-secret-key-not-for-production-0123456789"
DEBUG = False
PASSWORD_HASHERS = [
    # Argon2 with minimal cost keeps the suite fast; production uses the default cost.
    "xietong.access.hashers.FastArgon2PasswordHasher",
]
ALLOWED_HOSTS = ["*"]
# Tests run jobs in their own thread; a heartbeat thread would write from a second
# connection into the test's open transaction (tests/analytics/test_jobs.py turns it on).
XIETONG_INPROCESS_WORKER = False
XIETONG_JOB_HEARTBEAT_SECONDS = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    # One test database per run, so parallel runs on one server never collide.
    DATABASES["default"]["TEST"] = {"NAME": f"test_xietong_{os.getpid()}"}  # noqa: F405
else:
    # A file, as in production, rather than shared-cache memory: concurrent writers then
    # wait for the lock (busy timeout) instead of failing with "table is locked".
    DATABASES["default"]["TEST"] = {"NAME": str(_home / "test.sqlite3")}  # noqa: F405
