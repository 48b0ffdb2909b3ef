"""Production: refuses to start without a real SECRET_KEY; secure cookies and HSTS."""

from django.core.exceptions import ImproperlyConfigured

from core.logs import logging_config

from .base import *  # noqa: F403
from .base import LOG_LEVEL, SECRET_KEY
from .env import env_bool, env_int, env_str

DEBUG = False

if not SECRET_KEY or SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "Production needs a real SECRET_KEY: at least 50 characters, not the local default. "
        'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(64))"'
    )

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
