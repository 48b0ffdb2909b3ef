"""The bytes an event is sent as, and their signature."""

import hashlib
import hmac
import json

from django.conf import settings


def event_body(payload: dict) -> bytes:
    """The canonical bytes of an event: compact, keys sorted, UTF-8. A function of the payload
    alone, so the stored event, every attempt and the signature all agree byte for byte."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_signature(body: bytes) -> str:
    digest = hmac.new(settings.DATA_PLATFORM_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"
