"""User A against user B's data, on every operation that takes a `userId` or an order id.

- A, by token or by browser session, gets 403 FORBIDDEN for B's `userId` and 404 ORDER_NOT_FOUND
  for B's order id (the same answer as for an order that does not exist: API.md, "do not reveal
  it exists"), and nothing of B's changes: balance, ledger, coupons, orders, stock, outbox.
- Staff get through on the same requests, and the write really lands on B.
- A gets through on the same requests with A's own ids, so a refusal above is the ownership
  check and not a broken request.
- The matrix is complete: every operation of the OpenAPI schema with a `userId` (path, query or
  body) or an `{orderId}` is listed in CASES; a new one fails the completeness test until it is.
- The storefront hides B's order pages from A the same way (404).
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from balances.models import LedgerEntry
from coupons.models import UserCoupon
from dataplatform.models import OutboxEvent
from orders.models import Order
from orders.services import order_place
from products.models import Product
from tests.security.operations import all_operations, openapi_schema
from tests.support.api import assert_problem, bearer
from tests.support.builders import balance_of, fund, issue_coupon, make_drop, make_product

pytestmark = pytest.mark.django_db
User = get_user_model()


@dataclass
class World:
    a: User
    b: User
    staff: User
    product: Product
    fresh_drop_id: int  # a drop nobody holds yet: what an issue request asks for
    orders: dict  # user pk -> a PAID order of that user


@pytest.fixture
def world(user, other_user, staff) -> World:
    product = make_product(price=1_000, stock=100, name="남의 것 테스트 상품")
    held = make_drop(name="이미 받은 쿠폰")
    orders = {}
    for person in (user, other_user):
        fund(person, 50_000)
        issue_coupon(person, held)
        orders[person.pk] = order_place(user_id=person.pk, lines=[(product.pk, 2)])
    fresh = make_drop(name="아직 아무도 안 받은 쿠폰")
    return World(a=user, b=other_user, staff=staff, product=product, fresh_drop_id=fresh.pk, orders=orders)


@dataclass(frozen=True)
class Case:
    operation: str  # "METHOD /path" exactly as in the OpenAPI schema
    request: Callable[[World, User], tuple[str, str, dict | None]]  # (world, whose data) -> method, url, body
    refused: tuple[int, str]  # what A gets for B's data
    allowed: int  # what the owner and staff get
    own: int | None = None  # what the owner gets, when not `allowed` (a staff-only operation)


CASES = [
    Case("GET /api/balance/{userId}", lambda w, o: ("get", f"/api/balance/{o.pk}", None), (403, "FORBIDDEN"), 200),
    Case(
        "GET /api/balance/{userId}/history",
        lambda w, o: ("get", f"/api/balance/{o.pk}/history", None),
        (403, "FORBIDDEN"),
        200,
    ),
    Case(
        "POST /api/balance/charge",
        lambda w, o: ("post", "/api/balance/charge", {"userId": o.pk, "amount": 1_000}),
        (403, "FORBIDDEN"),
        200,
    ),
    Case(
        "POST /api/coupon/issue",
        lambda w, o: ("post", "/api/coupon/issue", {"userId": o.pk, "couponId": w.fresh_drop_id}),
        (403, "FORBIDDEN"),
        201,
    ),
    Case(
        "GET /api/coupon/users/{userId}",
        lambda w, o: ("get", f"/api/coupon/users/{o.pk}", None),
        (403, "FORBIDDEN"),
        200,
    ),
    Case(
        "POST /api/orders",
        lambda w, o: (
            "post",
            "/api/orders",
            {"userId": o.pk, "products": [{"productId": w.product.pk, "quantity": 1}], "couponId": None},
        ),
        (403, "FORBIDDEN"),
        201,
    ),
    Case("GET /api/orders", lambda w, o: ("get", f"/api/orders?userId={o.pk}", None), (403, "FORBIDDEN"), 200),
    Case(
        "GET /api/orders/{orderId}",
        lambda w, o: ("get", f"/api/orders/{w.orders[o.pk].pk}", None),
        (404, "ORDER_NOT_FOUND"),
        200,
    ),
    Case(
        "POST /api/orders/{orderId}/cancel",
        lambda w, o: ("post", f"/api/orders/{w.orders[o.pk].pk}/cancel", None),
        (404, "ORDER_NOT_FOUND"),
        200,
    ),
    Case(
        "POST /api/orders/{orderId}/fulfilment",
        lambda w, o: ("post", f"/api/orders/{w.orders[o.pk].pk}/fulfilment", {"status": "PREPARING"}),
        (403, "FORBIDDEN"),
        200,
        own=403,  # staff only: a shopper cannot move even their own order
    ),
]
BY_OPERATION = {case.operation: case for case in CASES}


def _body_properties(spec: dict) -> set[str]:
    schema = spec.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = openapi_schema()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return set(schema.get("properties", {}))


def test_every_operation_taking_a_user_or_order_id_is_in_the_matrix():
    taking = {
        str(op)
        for op in all_operations()
        if "{userId}" in op.path
        or "{orderId}" in op.path
        or any(p["name"] == "userId" for p in op.query_params)
        or "userId" in _body_properties(op.spec)
    }
    assert taking == set(BY_OPERATION), taking ^ set(BY_OPERATION)


def _state_of(w: World, person: User) -> dict:
    """Everything of `person` that any of the operations could change, plus what is shared."""
    return {
        "balance": balance_of(person),
        "ledger": list(LedgerEntry.objects.filter(user_id=person.pk).order_by("id").values_list("id", "amount")),
        "coupons": sorted(UserCoupon.objects.filter(user_id=person.pk).values_list("coupon_id", "status")),
        "orders": sorted(Order.objects.filter(user_id=person.pk).values_list("id", "status")),
        "stock": Product.objects.get(pk=w.product.pk).stock,
        "outbox": OutboxEvent.objects.count(),
        "users": User.objects.count(),
    }


def _client(person: User, auth: str) -> APIClient:
    client = APIClient()
    if auth == "jwt":
        client.credentials(HTTP_AUTHORIZATION=bearer(person))
    else:  # the browser's session cookie, which the API accepts too
        client.force_login(person)
    return client


def _send(client: APIClient, method: str, url: str, body: dict | None):
    if method == "post":
        return client.post(url, body, format="json")
    return client.get(url)


@pytest.mark.parametrize("auth", ["jwt", "session"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.operation)
def test_a_can_neither_read_nor_change_bs_data(world, case, auth):
    before_b, before_a = _state_of(world, world.b), _state_of(world, world.a)

    response = _send(_client(world.a, auth), *case.request(world, world.b))

    status, code = case.refused
    body = assert_problem(response, status, code)
    assert world.b.username not in response.content.decode()
    assert _state_of(world, world.b) == before_b
    assert _state_of(world, world.a) == before_a
    if code == "ORDER_NOT_FOUND":
        # indistinguishable from an order id that does not exist
        method, url, payload = case.request(world, world.b)
        missing = _send(
            _client(world.a, auth), method, url.replace(str(world.orders[world.b.pk].pk), "987654321"), payload
        )
        assert assert_problem(missing, 404, "ORDER_NOT_FOUND") == body


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.operation)
def test_staff_can_read_and_change_bs_data(world, case, client_for):
    before = _state_of(world, world.b)

    response = _send(client_for(world.staff), *case.request(world, world.b))

    assert response.status_code == case.allowed, response.content[:300]
    body = response.json()
    after = _state_of(world, world.b)
    op = case.operation
    if op == "POST /api/balance/charge":
        assert body["userId"] == world.b.pk and after["balance"] == before["balance"] + 1_000
    elif op == "POST /api/coupon/issue":
        assert after["coupons"] == sorted([*before["coupons"], (world.fresh_drop_id, "AVAILABLE")])
    elif op == "POST /api/orders":
        assert body["userId"] == world.b.pk and len(after["orders"]) == len(before["orders"]) + 1
        assert after["balance"] == before["balance"] - 1_000
    elif op == "POST /api/orders/{orderId}/cancel":
        assert body["status"] == "CANCELLED"
        assert after["balance"] == before["balance"] + 2_000
    elif op == "POST /api/orders/{orderId}/fulfilment":
        assert body["orderId"] == world.orders[world.b.pk].pk and body["fulfilment"]["status"] == "PREPARING"
        assert after["outbox"] == before["outbox"] + 1
    else:  # reads: B's data, and nothing changed
        assert after == before
        owner_ids = {item.get("userId") for item in body.get("items", [])} if "items" in body else {body.get("userId")}
        assert owner_ids <= {world.b.pk, None}, body
        if op == "GET /api/orders/{orderId}":
            assert body["orderId"] == world.orders[world.b.pk].pk
        if op == "GET /api/coupon/users/{userId}":
            assert [item["name"] for item in body["items"]] == ["이미 받은 쿠폰"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.operation)
def test_a_can_do_it_with_its_own_data(world, case, client_for):
    response = _send(client_for(world.a), *case.request(world, world.a))
    assert response.status_code == (case.own or case.allowed), response.content[:300]


# --- the storefront ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "page"), [("get", "/orders/{}/"), ("get", "/orders/{}/complete/"), ("post", "/orders/{}/cancel/")]
)
def test_storefront_hides_bs_order_pages_from_a(world, client, method, page):
    order = world.orders[world.b.pk]
    before = _state_of(world, world.b)
    client.force_login(world.a)

    response = getattr(client, method)(page.format(order.pk))

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "남의 것 테스트 상품" not in response.content.decode()
    assert _state_of(world, world.b) == before


def test_storefront_lists_only_the_shoppers_own_orders(world, client):
    client.force_login(world.a)
    html = client.get("/orders/").content.decode()
    assert f"/orders/{world.orders[world.a.pk].pk}/" in html
    assert f"/orders/{world.orders[world.b.pk].pk}/" not in html


def test_staff_sees_bs_order_page(world, client):
    client.force_login(world.staff)
    response = client.get(f"/orders/{world.orders[world.b.pk].pk}/")
    assert response.status_code == 200
    assert "남의 것 테스트 상품" in response.content.decode()


@pytest.mark.parametrize(
    "case", [BY_OPERATION["POST /api/balance/charge"], BY_OPERATION["POST /api/orders"]], ids=lambda c: c.operation
)
def test_a_cannot_replay_bs_idempotent_answer(world, case, client_for):
    """Idempotency keys are per user: A sending B's exact request with B's key gets the ownership
    refusal, not B's stored answer (which would hand A B's balance or order)."""
    method, url, body = case.request(world, world.b)
    first = client_for(world.b).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="shared-key")
    assert first.status_code == case.allowed
    before = _state_of(world, world.b)

    response = client_for(world.a).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="shared-key")

    assert_problem(response, 403, "FORBIDDEN")
    assert "Idempotent-Replayed" not in response
    assert _state_of(world, world.b) == before
