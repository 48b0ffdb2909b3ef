"""A cached public read answered before DRF: `cache_first`.

Why not the default (a DRF view that serves the cached bytes, as every other read): on a hit the
view has nothing to decide, yet DRF still wraps the request, negotiates, authenticates and checks
permissions, and on the catalog's reads that is a measurable share of the whole request; answered
here, the cached list and best sellers run 16-36% faster (docs/benchmarks.md, tuning log #16 and
"4 Dec: cache_first again"). Everything that is not a plain hit goes to the DRF view unchanged, so
the view stays the one definition of what these URLs answer.
"""

import functools

from core.errors import InvalidRequest
from products import cache
from products.api.cached import json_response
from products.drops import resolve_statuses

_JSON_ACCEPTS = (None, "*/*", "application/json")


def cache_first(cache_key_for, finish=resolve_statuses):
    """Wraps a read view so that a cache hit is answered before DRF is involved: no request
    wrapping, negotiation, authentication or permission objects, only the cached bytes (the
    reads are public and ignore credentials anyway). `cache_key_for(request, **kwargs)` returns the
    key, or raises InvalidRequest for parameters the view would refuse. Anything not a plain hit
    (a miss, an entry due for a refresh, bad parameters, another method, an Accept header other than
    JSON or `*/*`, Redis down) goes to the view, which answers exactly as before and fills the cache.
    `finish(body)` makes a hit's bytes true as of now (sale statuses). The view is an APIView's
    `as_view()` or a `core.api.routing.by_method` URL; the answer carries its `Allow`."""

    def decorate(view):
        allow = getattr(view, "allow", None)
        if allow is None:
            instance = view.view_class(**view.view_initkwargs)
            instance.setup(None)  # as Django does per request: gives HEAD to a view with GET
            allow = ", ".join(instance.allowed_methods)

        @functools.wraps(view)  # keeps csrf_exempt and what the OpenAPI schema reads of the view
        def serve(request, *args, **kwargs):
            if request.method == "GET" and request.META.get("HTTP_ACCEPT") in _JSON_ACCEPTS:
                try:
                    cache_key = cache_key_for(request, **kwargs)
                except InvalidRequest:
                    cache_key = None
                body = cache.lookup_fresh(cache_key) if cache_key else None
                if body is not None:
                    response = json_response(body, finish)
                    response["Allow"] = allow  # as the view's own answer
                    return response
            return view(request, *args, **kwargs)

        return serve

    return decorate
