"""Public catalog reads from the cache as rendered JSON bytes."""

from django.http import HttpResponse
from rest_framework.renderers import JSONRenderer

from products import cache
from products.drops import resolve_statuses

_renderer = JSONRenderer()


def json_response(body: bytes, finish=resolve_statuses) -> HttpResponse:
    # `finish`: a cached body as of now (a drop's saleStatus follows the clock: products.drops).
    return HttpResponse(finish(body), content_type="application/json")


def cached_json(cache_key_parts: tuple, ttl: int, compute) -> HttpResponse:
    """The rendered JSON bytes from the cache (a hit is one Redis round trip and no rendering),
    or rendered from the database and stored. Without Redis it answers from the database."""
    return json_response(
        cache.fetch_single_flight(cache.key(*cache_key_parts), lambda: _renderer.render(compute()), ttl)
    )
