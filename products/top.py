"""The best-seller list as served: rendered JSON bytes in the cache (valid for the current
catalog version and Asia/Seoul day), refreshed by a beat task about every 10 s, filled
single-flight on a miss, computed from the database when Redis is down."""

import json

from rest_framework.renderers import JSONRenderer

from products import cache, selectors


def _render() -> bytes:
    return JSONRenderer().render(selectors.best_sellers())


def top_key() -> str:
    return cache.key("top", selectors.seoul_day().isoformat())


def top_json() -> bytes:
    return cache.fetch_single_flight(top_key(), _render, cache.TOP_TTL)


def top_data() -> dict:
    return json.loads(top_json())


def top_refresh() -> None:
    """Recomputes and stores the list (the beat task); a no-op without Redis."""
    version = cache.current_version()
    if version is not None:
        cache.store(top_key(), version, _render(), cache.TOP_TTL)
