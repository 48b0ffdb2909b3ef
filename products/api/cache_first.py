"""Public catalog reads from the cache as rendered JSON bytes, and the path that answers a hit
before DRF (docs/benchmarks.md #16)."""

import functools

from django.http import HttpResponse
from rest_framework.renderers import JSONRenderer

from core.errors import InvalidRequest
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


def cache_first(cache_key_for, finish=resolve_statuses):
    """Wraps a read view so that a cache hit is answered before DRF is involved: no request
    wrapping, negotiation, authentication or permission objects, only the cached bytes (the
    reads are public and ignore credentials anyway). `cache_key_for(request, **kwargs)` returns the
    key, or raises InvalidRequest for parameters the view would refuse. Anything not a plain hit
    (a miss, an entry due for a refresh, bad parameters, another method, an Accept header other than
    JSON or `*/*`, Redis down) goes to the view, which answers exactly as before and fills the cache.
    `finish(body)` makes a hit's bytes true as of now (sale statuses)."""

    def decorate(view):
        instance = view.view_class(**view.view_initkwargs)
        instance.setup(None)  # as Django does per request: gives HEAD to a view with GET
        allow = ", ".join(instance.allowed_methods)

        @functools.wraps(view)  # keeps csrf_exempt and the view class for the OpenAPI schema
        def serve(request, *args, **kwargs):
            if request.method == "GET" and request.META.get("HTTP_ACCEPT") in _JSON_ACCEPTS:
                try:
                    cache_key = cache_key_for(request, **kwargs)
                except InvalidRequest:
                    cache_key = None
                body = cache.lookup_fresh(cache_key) if cache_key else None
                if body is not None:
                    response = json_response(body, finish)
                    response["Allow"] = allow  # as DRF's own answer
                    return response
            return view(request, *args, **kwargs)

        return serve

    return decorate


_JSON_ACCEPTS = (None, "*/*", "application/json")
