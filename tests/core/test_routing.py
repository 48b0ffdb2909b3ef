"""core.api.routing.by_method and the URLs that carry two operations (API.md) through it: each
operation reaches its own view (in the schema too), and what such a URL answers besides its
operations (OPTIONS, HEAD, a method it lacks) and the Allow header on every answer are what the one
APIView serving both operations answered before each had its own."""

import re

import pytest
from django.test import Client
from django.urls import resolve
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from addresses import api as addresses_api
from core.api.routing import by_method
from core.api.schema import EndpointEnumerator
from coupons import api as coupons_api
from orders import api as orders_api
from products.api import detail as product_detail_api
from products.api import listing as product_listing_api
from tests.support.api import assert_problem, client_of

pytestmark = pytest.mark.django_db

NO_ID = 999_999  # OPTIONS and the methods a URL lacks answer before any row is read
JSON = ["application/json"]


def _options(name: str, description: str = "", parses=JSON) -> dict:
    return {"name": name, "description": description, "renders": JSON, "parses": parses}


# path: (its operations, Allow, the OPTIONS body, public reads and staff-only writes)
URLS = {
    "/api/orders": (
        ("GET", "POST"),
        "GET, POST, HEAD, OPTIONS",
        _options(
            "Orders Api",
            "POST places an order (throttled per user, Idempotency-Key aware); GET lists a user's orders.",
        ),
        False,
    ),
    "/api/coupons": (
        ("GET", "POST"),
        "GET, POST, HEAD, OPTIONS",
        _options("Coupon List Api", "GET is public (the drop list); POST creates a drop and is staff only."),
        True,
    ),
    "/api/products": (("GET", "POST"), "GET, POST, HEAD, OPTIONS", _options("Product List Api"), True),
    f"/api/products/{NO_ID}": (
        ("GET", "PATCH"),
        "GET, PATCH, HEAD, OPTIONS",
        _options("Product Detail Api", parses=["application/json", "multipart/form-data"]),
        True,
    ),
    "/api/addresses": (("GET", "POST"), "GET, POST, HEAD, OPTIONS", _options("Addresses Api"), False),
    f"/api/addresses/{NO_ID}": (("PATCH", "DELETE"), "PATCH, DELETE, OPTIONS", _options("Address Detail Api"), False),
}
OTHER_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "TRACE", "FROB")
LACKING = [
    (url, method) for url, (operations, *_) in URLS.items() for method in OTHER_METHODS if method not in operations
]

# The view of each operation (path as in the schema).
VIEWS = {
    "/api/orders": {"GET": orders_api.OrderListApi, "POST": orders_api.OrderCreateApi},
    "/api/coupons": {"GET": coupons_api.CouponListApi, "POST": coupons_api.CouponCreateApi},
    "/api/products": {"GET": product_listing_api.ProductListApi, "POST": product_listing_api.ProductCreateApi},
    "/api/products/{productId}": {
        "GET": product_detail_api.ProductDetailApi,
        "PATCH": product_detail_api.ProductUpdateApi,
    },
    "/api/addresses": {"GET": addresses_api.AddressListApi, "POST": addresses_api.AddressCreateApi},
    "/api/addresses/{addressId}": {"PATCH": addresses_api.AddressUpdateApi, "DELETE": addresses_api.AddressDeleteApi},
}


def _send(client, method: str, url: str):
    return client.generic(method, url, "{}", content_type="application/json")


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("method", ["OPTIONS", "HEAD", *OTHER_METHODS])
def test_every_answer_carries_the_urls_allow(staff, url, method):
    _operations, allow, _body, _public = URLS[url]
    assert _send(client_of(staff), method, url)["Allow"] == allow


@pytest.mark.parametrize(("url", "method"), LACKING)
def test_a_method_the_url_lacks_is_405_with_the_urls_allow(staff, url, method):
    response = _send(client_of(staff), method, url)
    assert_problem(response, 405, "METHOD_NOT_ALLOWED")
    assert response.json() == {
        "type": "/problems/method-not-allowed",
        "title": "허용되지 않은 메서드",
        "status": 405,
        "detail": f'메서드 "{method}"는 허용되지 않습니다.',
        "code": "METHOD_NOT_ALLOWED",
    }
    assert response["Allow"] == URLS[url][1]


@pytest.mark.parametrize(("url", "method"), LACKING)
def test_a_method_the_url_lacks_asks_for_credentials_first(api, user, url, method):
    """As DRF does: authentication and permissions are checked before the method (a write's, on a
    URL whose reads are public)."""
    response = _send(api, method, url)
    assert_problem(response, 401, "UNAUTHENTICATED")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    staff_writes = URLS[url][3]
    response = _send(client_of(user), method, url)
    if staff_writes:
        assert assert_problem(response, 403, "FORBIDDEN")["detail"] == "직원만 사용할 수 있는 기능입니다."
    else:
        assert_problem(response, 405, "METHOD_NOT_ALLOWED")


@pytest.mark.parametrize("url", URLS)
def test_options_describes_the_url(api, user, url):
    _operations, allow, body, public_reads = URLS[url]
    for client in (client_of(user), *([api] if public_reads else [])):
        response = client.options(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response.json() == body
        assert response["Allow"] == allow
    if not public_reads:
        assert_problem(api.options(url), 401, "UNAUTHENTICATED")


@pytest.mark.parametrize("url", URLS)
def test_head_is_answered_as_get_without_a_body(user, url):
    client = client_of(user)
    head = client.head(url)
    assert head.content == b""
    if "GET" in URLS[url][0]:
        assert head.status_code == client.get(url).status_code
        assert head["Content-Type"] == client.get(url)["Content-Type"]
    else:
        assert head.status_code == 405


def test_only_the_order_itself_is_throttled(user, monkeypatch):
    """The order throttle counts POST /api/orders and nothing else on that URL."""
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "order", "1/minute")
    client = client_of(user)
    for method in ("GET", "OPTIONS", "HEAD", "PUT", "DELETE"):
        assert _send(client, method, "/api/orders").status_code in (200, 405), method
    assert_problem(_send(client, "POST", "/api/orders"), 400, "INVALID_REQUEST")
    assert_problem(_send(client, "POST", "/api/orders"), 429, "RATE_LIMITED")
    assert _send(client, "GET", "/api/orders").status_code == 200


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_csrf_is_drfs_to_check_as_for_any_apiview(user, method):
    """Django's CSRF middleware lets the API through; DRF's session authentication asks for the
    token itself (the middleware would have answered its own "CSRF 검증에 실패했습니다.")."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    response = browser.generic(method, "/api/addresses", "{}", content_type="application/json")
    assert assert_problem(response, 403, "FORBIDDEN")["detail"] == "이 작업을 할 권한이 없습니다."


@pytest.mark.parametrize("path", VIEWS)
def test_each_operation_has_its_own_view(path):
    routed = resolve(re.sub(r"\{\w+\}", str(NO_ID), path)).func
    assert {method: view.cls for method, view in routed.operations.items()} == VIEWS[path]


def test_the_schema_sees_each_operation_with_its_own_view():
    endpoints = EndpointEnumerator().get_api_endpoints()
    seen = {(path, method): callback.cls for path, _regex, method, callback in endpoints}
    for path, views in VIEWS.items():
        assert {method: seen[path, method] for method in views} == views
        assert not {method for p, method in seen if p == path} - set(views)


class PublicApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class ThingReadApi(PublicApi):
    def get(self, request, thing):
        return Response({"read": thing})


class ThingWriteApi(PublicApi):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "test_write"

    def post(self, request, thing):
        return Response({"written": thing}, status=201)


_routed = by_method(get=ThingReadApi, post=ThingWriteApi)


def test_each_method_reaches_its_own_view(monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "test_write", "1/minute")
    factory = APIRequestFactory()
    assert _routed(factory.get("/things/7"), thing=7).data == {"read": 7}
    assert _routed(factory.head("/things/7"), thing=7).data == {"read": 7}
    assert _routed(factory.options("/things/7"), thing=7).data["name"] == "Thing Read Api"
    assert _routed(factory.put("/things/7"), thing=7).status_code == 405  # not throttled: no operation ran
    written = _routed(factory.post("/things/7"), thing=7)
    assert (written.status_code, written.data) == (201, {"written": 7})
    assert _routed(factory.post("/things/7"), thing=7).status_code == 429  # the write's own throttle
    for response in (written, _routed(factory.get("/things/7"), thing=7)):
        assert response["Allow"] == "GET, POST, HEAD, OPTIONS"


def test_the_callable_is_exempt_as_an_apiviews_is():
    assert _routed.csrf_exempt is True and ThingReadApi.as_view().csrf_exempt is True
    assert _routed.login_required is False and ThingReadApi.as_view().login_required is False
    assert {method: view.cls for method, view in _routed.operations.items()} == {
        "GET": ThingReadApi,
        "POST": ThingWriteApi,
    }


def test_only_http_methods_are_routed():
    with pytest.raises(ValueError, match="fetch"):
        by_method(get=ThingReadApi, fetch=ThingWriteApi)
