"""Sending one event's bytes: a signed POST to the data platform, or a local spool line."""

from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from ..models import OutboxEvent
from .signing import event_signature

SPOOL_FILE_NAME = "events.jsonl"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    error: str = ""
    retry_after: float | None = None


def event_post(event: OutboxEvent, body: bytes) -> Outcome:
    url = urlsplit(settings.DATA_PLATFORM_URL)
    if url.scheme not in {"http", "https"} or not url.hostname:
        return Outcome(ok=False, error=f"DATA_PLATFORM_URL is not an http(s) URL: {settings.DATA_PLATFORM_URL!r}")
    connection_class = HTTPSConnection if url.scheme == "https" else HTTPConnection
    connection = connection_class(url.hostname, url.port, timeout=settings.DATA_PLATFORM_CONNECT_TIMEOUT)
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": str(event.event_id),
        "X-Event-Type": event.event_type,
        "X-Signature": event_signature(body),
    }
    try:
        connection.connect()
        connection.sock.settimeout(settings.DATA_PLATFORM_READ_TIMEOUT)
        connection.request("POST", (url.path or "/") + (f"?{url.query}" if url.query else ""), body, headers)
        response = connection.getresponse()
        reply = response.read(500).decode("utf-8", "replace")
    except (OSError, HTTPException) as exc:
        return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return Outcome(ok=True)
    return Outcome(
        ok=False,
        error=f"HTTP {response.status}: {reply}".strip(),
        retry_after=_parse_retry_after(response.getheader("Retry-After")),
    )


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
