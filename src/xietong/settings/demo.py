"""The embedded single-machine setup that ``make demo`` runs (SQLite by default)."""

import os

from .base import *  # noqa: F403
from .base import XIETONG_HOME

DEBUG = os.environ.get("XIETONG_DEBUG") == "1"
SECRET_KEY = os.environ.get("XIETONG_SECRET_KEY") or ""
if not SECRET_KEY:
    from xietong.core.keys import load_or_create_secret

    SECRET_KEY = load_or_create_secret(XIETONG_HOME)
