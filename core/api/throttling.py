"""DRF's `ScopedRateThrottle` on the default cache, with the one change: who the client is.

`get_ident` is the only override. DRF's own takes the address `NUM_PROXIES` points at in
`X-Forwarded-For` as it stands, so a caller whose header puts garbage there gets a fresh throttle
key per request; `core.client.client_ip` (also used by the login guard) falls back to the peer
address for anything that is not an IP address. Authenticated callers are keyed by user id, as in
DRF. The rate bookkeeping is DRF's (the Lua version went back to the default on 3 Dec,
`docs/benchmarks.md#tuning-log` row #6). When Redis does not answer, the cache
(`IGNORE_EXCEPTIONS`) reads an empty history and drops the write, so requests go through: the
throttle protects capacity, it guards no invariant.
"""

from rest_framework import throttling

from core.client import client_ip


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    def get_ident(self, request):
        return client_ip(request)  # never a forged X-Forwarded-For (core/client.py)
