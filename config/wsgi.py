import os

from core import metrics_dir

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# Before anything imports prometheus-client: every worker of the WSGI server writes its counters
# where any of them can sum them for /metrics (core/metrics_dir.py).
metrics_dir.enable()

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
