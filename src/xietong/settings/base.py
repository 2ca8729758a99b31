"""Settings shared by every deployment of XieTong.

The database is SQLite in ``$XIETONG_HOME`` unless ``DATABASE_URL`` names another
(PostgreSQL via psycopg 3 in production). Keys and audit checkpoints live in
``$XIETONG_HOME`` too — outside the database and outside git.
"""

import json
import os
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = PACKAGE_DIR.parent.parent
XIETONG_HOME = Path(os.environ.get("XIETONG_HOME", REPO_DIR / "var")).resolve()

SECRET_KEY = os.environ.get("XIETONG_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = os.environ.get("XIETONG_ALLOWED_HOSTS", "127.0.0.1,localhost").split(
    ","
)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "xietong.core",
    "xietong.audit",
    "xietong.org",
    "xietong.access",
    "xietong.workdays",
    "xietong.clues",
    "xietong.analytics",
    "xietong.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "xietong.audit.middleware.ClientAddressMiddleware",
    "xietong.core.middleware.RejectNulMiddleware",
    "xietong.core.middleware.ApplicationErrorMiddleware",
]

ROOT_URLCONF = "xietong.urls"
WSGI_APPLICATION = "xietong.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xietong.access.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{XIETONG_HOME / 'xietong.sqlite3'}",
        conn_max_age=int(os.environ.get("XIETONG_CONN_MAX_AGE", "60")),
    )
}
# SQLite: WAL checkpoints run off the request path. The server starts a background
# checkpointer (xietong.core.sqlite_wal) every XIETONG_SQLITE_CHECKPOINT_SECONDS; a commit
# checkpoints by itself only when the log passes XIETONG_SQLITE_AUTOCHECKPOINT pages (a
# safety net, and what command-line jobs without the checkpointer rely on).
XIETONG_SQLITE_CHECKPOINT_SECONDS = float(
    os.environ.get("XIETONG_SQLITE_CHECKPOINT_SECONDS", "1")
)
XIETONG_SQLITE_AUTOCHECKPOINT = int(
    os.environ.get("XIETONG_SQLITE_AUTOCHECKPOINT", "10000")
)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            f"PRAGMA wal_autocheckpoint={XIETONG_SQLITE_AUTOCHECKPOINT};",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "access.User"
AUTHENTICATION_BACKENDS = ["xietong.access.backends.LockoutBackend"]
LOGIN_URL = "access:login"
LOGIN_REDIRECT_URL = "dashboard:home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "xietong.access.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "xietong.access.validators.CharacterClassValidator"},
]

# Sessions end after 30 idle minutes (等保三级 会话超时) and with the browser.
SESSION_COOKIE_AGE = int(os.environ.get("XIETONG_SESSION_SECONDS", "1800"))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

# Login lockout: this many failures in a row lock the account for the given minutes.
XIETONG_LOCKOUT_FAILURES = 5
XIETONG_LOCKOUT_MINUTES = 15

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# The project's own assets (CSS, htmx, app.js) live in the package, not in an app folder.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = XIETONG_HOME / "static"
# WhiteNoise serves from the finders (app static dirs); the root only has to exist.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

NINJA_PAGINATION_PER_PAGE = 50

XIETONG_PAGE_SIZE = 50
# Home-page counts over a whole province read every person row: cache them briefly.
XIETONG_STATS_CACHE_SECONDS = int(os.environ.get("XIETONG_STATS_CACHE_SECONDS", "60"))
# Clue time limits (clues.rules.TimeLimits field → value), e.g.
# XIETONG_CLUE_TIME_LIMITS='{"inquiry_reply_workdays": 10, "admonition_months": 12}'.
XIETONG_CLUE_TIME_LIMITS = json.loads(os.environ.get("XIETONG_CLUE_TIME_LIMITS", "{}"))
# Attachments: size limit and the file types accepted (by extension).
XIETONG_ATTACHMENT_MAX_BYTES = int(
    os.environ.get("XIETONG_ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024))
)
# Dataset imports: an XLSX is parsed whole by its XML reader, so it has a size limit
# (CSV and Parquet stream and have none); rows normalised and written per chunk.
XIETONG_DATASET_XLSX_MAX_BYTES = int(
    os.environ.get("XIETONG_DATASET_XLSX_MAX_BYTES", str(200 * 1024 * 1024))
)
XIETONG_DATASET_CHUNK_ROWS = int(os.environ.get("XIETONG_DATASET_CHUNK_ROWS", "50000"))
# Background jobs (model runs, dataset imports): the web process runs a worker thread
# unless XIETONG_INPROCESS_WORKER=0 (production runs `xietong worker` as a service).
# A running job stamps a heartbeat every XIETONG_JOB_HEARTBEAT_SECONDS; one whose
# heartbeat is older than XIETONG_JOB_STALE_SECONDS is taken up again (3 tries).
XIETONG_INPROCESS_WORKER = os.environ.get("XIETONG_INPROCESS_WORKER", "1") == "1"
XIETONG_JOB_HEARTBEAT_SECONDS = float(
    os.environ.get("XIETONG_JOB_HEARTBEAT_SECONDS", "5")
)
XIETONG_JOB_STALE_SECONDS = float(os.environ.get("XIETONG_JOB_STALE_SECONDS", "60"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
