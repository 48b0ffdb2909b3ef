"""Request ids: every request gets one (or keeps the caller's `X-Request-ID`), it is echoed in the
response and stamped on every log line, so a 500 answer can be matched to its traceback."""

import contextvars
import logging
import re
import uuid

from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.db import InterfaceError, OperationalError
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def current_request_id() -> str:
    return _request_id.get()


def bind_request_id(request_id: str) -> contextvars.Token:
    """Stamps `request_id` on what follows in this context (a Celery task run: core/task_context.py)."""
    return _request_id.set(request_id)


def unbind_request_id(token: contextvars.Token) -> None:
    _request_id.reset(token)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")  # not request.headers: it parses every header
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record):
        record.request_id = _request_id.get()
        return True


# --- Storefront-only middleware --------------------------------------------------------------
# The JSON API (`/api/`) answers in Korean whatever the browser's language (API.md) and never uses
# flash messages, so it skips the locale negotiation and the message storage, which API requests
# would only pay for (docs/benchmarks.md #3). Pages keep both unchanged.
API_PREFIX = "/api/"


class PageLocaleMiddleware(LocaleMiddleware):
    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            # A thread may have served a page in another language just before: reset it.
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
            return self.get_response(request)
        return super().__call__(request)


class PageMessageMiddleware(MessageMiddleware):
    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        return super().__call__(request)


class DatabaseUnavailableMiddleware:
    """A page whose database connection was lost (restart, failover, killed backend) answers 503
    "try again", as the API does, instead of a 500 "server error". The transaction that was open
    went with the connection, so nothing was written. API views answer through their own
    exception handler and never get here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logging.getLogger("core").warning("database unavailable: %s: %s", exception.__class__.__name__, exception)
        return render(request, "errors/503.html", {"request_id": current_request_id()}, status=503)
