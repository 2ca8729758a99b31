"""Production: PostgreSQL from DATABASE_URL, secrets from the environment, HTTPS cookies.

No default superuser is ever created; the first system administrator is made with
``xietong accounts create-admin`` on the server console.
"""

import os

from .base import *  # noqa: F403

SECRET_KEY = os.environ["XIETONG_SECRET_KEY"]
SESSION_COOKIE_SECURE = os.environ.get("XIETONG_INSECURE_COOKIES") != "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The worker runs as its own service (`xietong worker`), not inside the web processes.
XIETONG_INPROCESS_WORKER = os.environ.get("XIETONG_INPROCESS_WORKER") == "1"
