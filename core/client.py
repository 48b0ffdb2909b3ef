"""Who the client is: the one answer every throttle and the login guard use.

`X-Forwarded-For` is written by whoever sends the request, so it names the client only when our
own proxies wrote it: with `NUM_PROXIES` unset (0) it is ignored and the client is the peer
address (`REMOTE_ADDR`); with `NUM_PROXIES=N` the client is the N-th address from the right, the
one the outermost trusted proxy saw (DRF's `NUM_PROXIES` rule). Whatever a client puts further
left is never read. A value that is not an IP address falls back to the peer address, so a
malformed header cannot mint a fresh throttle key per request."""

import ipaddress

from django.conf import settings


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def client_ip(request) -> str:
    """The caller's address for rate limits and the login guard ("unknown" without a peer)."""
    remote = request.META.get("REMOTE_ADDR") or "unknown"
    proxies = getattr(settings, "NUM_PROXIES", 0) or 0
    if proxies <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not forwarded:
        return remote
    addresses = [part.strip() for part in forwarded.split(",")]
    candidate = addresses[-min(proxies, len(addresses))]
    return candidate if _is_ip(candidate) else remote
