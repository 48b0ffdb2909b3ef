"""Log lines: one JSON object per line (`LOG_FORMAT=json`, production's default) or plain text
(local), every line stamped with the request id (core/middleware.py), and one `event: "request"`
line per request (API.md "Operations").

JSON lines carry at least `time` (ISO 8601, UTC), `level`, `logger`, `message` and `request_id`,
plus whatever the call passed in `extra=`. The formatting is python-json-logger's.
"""

import logging
import logging.config
import time

from django.core.exceptions import ImproperlyConfigured
from pythonjsonlogger.json import JsonFormatter

FORMATS = ("json", "plain")
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [req=%(request_id)s] %(message)s"

request_logger = logging.getLogger("shop.request")


def json_formatter() -> JsonFormatter:
    return JsonFormatter(
        ["levelname", "name", "message", "request_id"],
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
        json_ensure_ascii=False,  # Korean messages stay readable
    )


def logging_config(*, log_format: str, level: str) -> dict:
    """The LOGGING setting: one handler on stderr in the chosen format, with the request id filter."""
    if log_format not in FORMATS:
        raise ImproperlyConfigured(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, got {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "core.middleware.RequestIdLogFilter"}},
        "formatters": {
            "plain": {"format": PLAIN_FORMAT},
            "json": {"()": "core.logs.json_formatter"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["request_id"]},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.request": {"level": "ERROR"},
            "django_redis": {"level": "WARNING"},
        },
    }


def configure(config: dict) -> None:
    """LOGGING_CONFIG: dictConfig, and Python warnings through logging too, so that with
    LOG_FORMAT=json nothing but JSON reaches stderr. Celery workers and beat call it as well."""
    logging.config.dictConfig(config)
    logging.captureWarnings(True)


def _user_id(request) -> int | None:
    """The caller's id if authentication already ran; never loads a session or a user for the log
    line. DRF sets `request.user` on the Django request when it authenticates; the page
    middleware's lazy user counts only once something evaluated it."""
    user = request.__dict__.get("user")
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)  # SimpleLazyObject: `empty` until evaluated
    if not getattr(wrapped, "is_authenticated", False):
        return None
    return wrapped.pk


class RequestLogMiddleware:
    """Writes the one `event: "request"` line per request. Placed right after RequestIdMiddleware,
    so the line carries the request id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        if request_logger.isEnabledFor(logging.INFO):
            request_logger.info(
                "%s %s %s %.1fms",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                extra={
                    "event": "request",
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user_id": _user_id(request),
                },
            )
        return response
