"""Test settings: real PostgreSQL and Redis, on a Redis database of their own."""

import os
from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403
from .base import CACHES, REDIS_SENTINEL_MASTER, REDIS_URL
from .env import env_int, env_str
from .redis_urls import broker_transport_options, is_amqp

# Tests own one Redis database (never another one's) so they may flush it.
TEST_REDIS_DB = env_int("TEST_REDIS_DB", 15)
_parts = urlsplit(REDIS_URL)
REDIS_URL = urlunsplit(_parts._replace(path=f"/{TEST_REDIS_DB}"))
CACHES["default"]["LOCATION"] = REDIS_URL
CACHES["default"]["KEY_PREFIX"] = "test"
CELERY_BROKER_URL = env_str("TEST_CELERY_BROKER_URL", REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(CELERY_BROKER_URL, REDIS_SENTINEL_MASTER)
CELERY_TASK_DEFAULT_QUEUE_TYPE = "quorum" if is_amqp(CELERY_BROKER_URL) else "classic"
CELERY_WORKER_DETECT_QUORUM_QUEUES = is_amqp(CELERY_BROKER_URL)
# Celery prefers the CELERY_BROKER_URL environment variable to these settings (and dev.py exports
# it for every command): point it at the test broker too, or a test worker would consume, and
# tasks would be sent to, the development broker.
os.environ["CELERY_BROKER_URL"] = CELERY_BROKER_URL

# Django's default hasher is slow on purpose; tests do not need that.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DEBUG = False
# Pictures of one test run apart from the development site's and from other runs'.
MEDIA_ROOT = VAR_DIR / "test-media" / env_str("TEST_DATABASE_NAME", "test_shop")  # noqa: F405
SERVE_MEDIA = True  # the browser tests' live server shows them
