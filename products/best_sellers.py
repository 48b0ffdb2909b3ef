"""The best-seller list as served: rendered JSON bytes in the cache (valid for the current
catalog version and Asia/Seoul day), refreshed by a beat task about every 10 s, filled
single-flight on a miss, computed from the database when Redis is down."""

import json

from rest_framework.renderers import JSONRenderer

from products import cache, selectors


def _render() -> bytes:
    return JSONRenderer().render(selectors.best_sellers())


def best_sellers_key() -> str:
    # "top" in the key, as in the URL /api/products/top
    return cache.key("top", selectors.seoul_day().isoformat())


def best_sellers_json() -> bytes:
    return cache.fetch_single_flight(best_sellers_key(), _render, cache.BEST_SELLERS_TTL)


def best_sellers_data() -> dict:
    return json.loads(best_sellers_json())


def best_sellers_refresh() -> None:
    """Recomputes and stores the list (the beat task); a no-op without Redis."""
    version = cache.current_version()
    if version is not None:
        cache.store(best_sellers_key(), version, _render(), cache.BEST_SELLERS_TTL)
