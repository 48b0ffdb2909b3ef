"""Sending one event's bytes: a signed POST to the data platform, or a local spool line."""

from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.utils import timezone

from core.middleware import current_request_id

from ..models import OutboxEvent
from .signing import event_signature
from .transport import attempt_deadline, http_pool

SPOOL_FILE_NAME = "events.jsonl"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    error: str = ""
    retry_after: float | None = None


def event_post(event: OutboxEvent, body: bytes) -> Outcome:
    """One signed POST through this process's pooled client (`transport`), within
    DATA_PLATFORM_TOTAL_TIMEOUT seconds in all, connect and reads included."""
    url = urlsplit(settings.DATA_PLATFORM_URL)
    if url.scheme not in {"http", "https"} or not url.hostname:
        return Outcome(ok=False, error=f"DATA_PLATFORM_URL is not an http(s) URL: {settings.DATA_PLATFORM_URL!r}")
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": str(event.event_id),
        "X-Event-Type": event.event_type,
        "X-Signature": event_signature(body),
    }
    request_id = event.request_id or current_request_id()
    if request_id != "-":
        headers["X-Request-ID"] = request_id
    total = settings.DATA_PLATFORM_TOTAL_TIMEOUT
    timeout = urllib3.Timeout(
        connect=min(settings.DATA_PLATFORM_CONNECT_TIMEOUT, total), read=min(settings.DATA_PLATFORM_READ_TIMEOUT, total)
    )
    with attempt_deadline(total) as attempt:
        try:
            response = http_pool().request(
                "POST", settings.DATA_PLATFORM_URL, body=body, headers=headers, timeout=timeout, redirect=False
            )
        except (OSError, urllib3.exceptions.HTTPError) as exc:
            if attempt.expired:
                return Outcome(ok=False, error=f"TimeoutError: no complete answer within {total:g} s")
            return Outcome(ok=False, error=f"{type(_root_cause(exc)).__name__}: {exc}")
    if 200 <= response.status < 300:
        return Outcome(ok=True)
    reply = response.data[:500].decode("utf-8", "replace")
    return Outcome(
        ok=False,
        error=f"HTTP {response.status}: {reply}".strip(),
        retry_after=_parse_retry_after(response.headers.get("Retry-After")),
    )


def _root_cause(exc: BaseException) -> BaseException:
    """urllib3 wraps the socket's error (ConnectionRefusedError...); the log names the cause."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__
    return exc


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


def event_spool(body: bytes) -> Outcome:
    """No DATA_PLATFORM_URL: a local run appends each event as one JSON line instead."""
    directory = Path(settings.DATA_PLATFORM_SPOOL_DIR)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # One write() of the whole line to a file opened for appending: lines never interleave.
        with open(directory / SPOOL_FILE_NAME, "ab") as spool:
            spool.write(body + b"\n")
    except OSError as exc:
        return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}")
    return Outcome(ok=True)
