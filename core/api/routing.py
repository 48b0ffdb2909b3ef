"""One URL, one APIView per operation.

The contract (API.md) puts two operations on one URL (GET and POST /api/orders, GET and PATCH
/api/products/{productId}, ...) and DESIGN.md wants an APIView per operation (OrderListApi,
OrderCreateApi). Django routes a URL to one callable, so `by_method` makes it: each request goes to
the view of its method (HEAD to GET's, as Django's View does), and the URL answers the rest as one
APIView serving all its operations would:

- every answer carries the URL's `Allow` (all its methods, in DRF's order);
- OPTIONS is answered by the GET view (so it is public where reads are public) and lists what any of
  the URL's views parses; any other method by the first other view, so that DRF authenticates and
  checks permissions as for a write before it says 405. Neither is throttled: no operation runs;
- the callable is CSRF-exempt like every APIView's (DRF's session authentication checks the token).

drf-spectacular sees one endpoint per operation, each with its own view (core/api/schema.py).
"""

from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.views.decorators.csrf import csrf_exempt
from rest_framework.views import APIView


def by_method(**views: type[APIView]) -> Callable:
    """`path("products", by_method(get=ProductListApi, post=ProductCreateApi))`."""
    unknown = set(views) - set(APIView.http_method_names)
    if unknown:
        raise ValueError(f"not HTTP methods: {sorted(unknown)}")
    operations = {method.upper(): view.as_view() for method, view in views.items()}
    handlers = {**operations, "HEAD": operations["GET"]} if "GET" in operations else operations
    allow = ", ".join(m.upper() for m in APIView.http_method_names if m.upper() in {*handlers, "OPTIONS"})
    first = next(iter(views.values()))
    parsers = list(dict.fromkeys(parser for view in views.values() for parser in view.parser_classes))
    options = views.get("get", first).as_view(throttle_classes=[], parser_classes=parsers)
    lacking = next((view for method, view in views.items() if method != "get"), first).as_view(throttle_classes=[])

    def dispatch(request, *args, **kwargs):
        handler = handlers.get(request.method) or (options if request.method == "OPTIONS" else lacking)
        response = handler(request, *args, **kwargs)
        response["Allow"] = allow
        return response

    dispatch.operations = operations  # type: ignore[attr-defined]  # read by core.api.schema.EndpointEnumerator
    dispatch.allow = allow  # type: ignore[attr-defined]  # read by products.api.cache_first
    return csrf_exempt(login_not_required(dispatch))
