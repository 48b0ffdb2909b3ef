"""Production: refuses to start with a weak SECRET_KEY or DATA_PLATFORM_SECRET; secure cookies
and HSTS."""

from django.core.exceptions import ImproperlyConfigured

from core.logs import logging_config

from .base import *  # noqa: F403
from .base import DATA_PLATFORM_SECRET, LOCAL_DATA_PLATFORM_SECRET, LOG_LEVEL, NUM_PROXIES, SECRET_KEY, STORAGES
from .env import env_bool, env_int, env_str

DEBUG = False

if not SECRET_KEY or SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "Production needs a real SECRET_KEY: at least 50 characters, not the local default. "
        'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(64))"'
    )

# The HMAC key the data platform checks our events with: a guessable one lets anyone forge orders.
if (
    DATA_PLATFORM_SECRET == LOCAL_DATA_PLATFORM_SECRET
    or len(DATA_PLATFORM_SECRET) < 32
    or len(set(DATA_PLATFORM_SECRET)) < 5
):
    raise ImproperlyConfigured(
        "Production needs a real DATA_PLATFORM_SECRET: at least 32 characters, not the local default. "
        'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'
    )

# Hashed names (collectstatic writes a manifest; the Dockerfile runs it), so whitenoise can send
# them with a far-future, immutable Cache-Control and a changed file gets a new URL.
# (The default storage stays as base chose it: local media or S3.)
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}

# X-Forwarded-Proto is believed only from our own proxy (NUM_PROXIES), which overwrites it.
if NUM_PROXIES > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Prometheus scrapes /metrics over the private network, not through the TLS proxy (docker-compose.yml).
SECURE_REDIRECT_EXEMPT = [r"^api/health", r"^metrics$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# One JSON object per log line unless asked otherwise (core/logs.py).
LOG_FORMAT = env_str("LOG_FORMAT", "json")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
