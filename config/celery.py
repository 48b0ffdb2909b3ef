import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _use_the_sites_logging(**kwargs):
    """Workers and beat log like the site (LOG_FORMAT, LOG_LEVEL, the request id on every line)
    instead of Celery's own format: connecting this signal is how Celery is told to leave the
    logging configuration alone."""
    from django.conf import settings

    from core.logs import configure

    configure(settings.LOGGING)
