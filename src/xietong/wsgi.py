import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xietong.settings.demo")
application = get_wsgi_application()

# SQLite only: copy the write-ahead log back in the background, not in a request.
from xietong.core.sqlite_wal import start_checkpointer  # noqa: E402

start_checkpointer()
