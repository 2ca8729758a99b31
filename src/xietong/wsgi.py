import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xietong.settings.demo")
application = get_wsgi_application()

# SQLite only: copy the write-ahead log back in the background, not in a request.
from xietong.core.sqlite_wal import start_checkpointer  # noqa: E402

start_checkpointer()

# Background jobs (model runs, dataset imports) in a thread of this process, unless
# production runs `xietong worker` as a service (XIETONG_INPROCESS_WORKER).
from xietong.analytics.jobs import start_inprocess_worker  # noqa: E402

start_inprocess_worker()
