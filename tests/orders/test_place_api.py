import re
from datetime import timedelta

import pytest

from balances.models import LedgerEntry
from dataplatform.models import OutboxEvent
from orders.models import Order
from products.services import product_update
from tests.support.api import assert_problem
from tests.support.builders import balance_of, fund, issue_coupon, make_drop, make_product, snapshot
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db

ISO_KST = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+09:00$")


def place(client, user, products, coupon_id=None, **extra):
    body = {"userId": user.pk, "products": products}
    if coupon_id is not None:
        body["couponId"] = coupon_id
    return client.post("/api/orders", body, format="json", **extra)


def test_order_is_paid_from_the_balance_with_prices_from_the_database(client_for, shopper):
    a = make_product(price=12_000, stock=5, name="무선 이어폰")
    b = make_product(price=3_500, stock=5, name="보조배터리")

    response = place(
        client_for(shopper),
        shopper,
        [{"productId": b.pk, "quantity": 1}, {"productId": a.pk, "quantity": 2}, {"productId": b.pk, "quantity": 2}],
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {
        "orderId", "userId", "status", "items", "totalAmount", "discountAmount", "paidAmount", "couponId",
        "createdAt", "cancelledAt", "shippingAddress", "fulfilment",
    }  # fmt: skip
    assert body["userId"] == shopper.pk and body["status"] == "PAID"
    assert body["items"] == [
        {"productId": a.pk, "name": "무선 이어폰", "unitPrice": 12_000, "quantity": 2, "amount": 24_000},
        {"productId": b.pk, "name": "보조배터리", "unitPrice": 3_500, "quantity": 3, "amount": 10_500},
    ]
    assert (body["totalAmount"], body["discountAmount"], body["paidAmount"]) == (34_500, 0, 34_500)
    assert body["couponId"] is None and body["cancelledAt"] is None
    assert ISO_KST.match(body["createdAt"])
    assert balance_of(shopper) == 100_000 - 34_500
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.stock, b.stock) == (3, 2)
    payment = LedgerEntry.objects.get(user_id=shopper.pk, type="PAYMENT")
    assert (payment.amount, payment.balance_after, payment.order_id) == (-34_500, 65_500, body["orderId"])
    event = OutboxEvent.objects.get(aggregate_id=body["orderId"])
    assert event.event_type == "order.paid"
    assert event.payload["order"] == body
    assert event.payload["type"] == "order.paid" and event.payload["eventId"] == str(event.event_id)


def test_detail_and_list_show_the_order(client_for, shopper):
    product = make_product(price=1_000)
    client = client_for(shopper)
    first = place(client, shopper, [{"productId": product.pk, "quantity": 1}]).json()
    second = place(client, shopper, [{"productId": product.pk, "quantity": 2}]).json()

    assert client.get(f"/api/orders/{first['orderId']}").json() == first
    page = client.get(f"/api/orders?userId={shopper.pk}&page=0&size=1").json()
    assert page == {"items": [second], "page": 0, "size": 1, "totalItems": 2, "totalPages": 2}
    assert client.get("/api/orders").json()["totalItems"] == 2  # userId defaults to the caller


@pytest.mark.parametrize(
    ("discount", "total", "expected"),
    [
        ({"discount_type": "FIXED", "discount_value": 5_000}, 20_000, 5_000),
        ({"discount_type": "FIXED", "discount_value": 50_000}, 20_000, 20_000),
        ({"discount_type": "PERCENT", "discount_value": 15}, 19_999, 2_999),
        ({"discount_type": "PERCENT", "discount_value": 50, "max_discount_amount": 3_000}, 20_000, 3_000),
    ],
)
def test_coupon_discount_is_applied_and_the_coupon_used(client_for, shopper, discount, total, expected):
    product = make_product(price=total)
    drop = make_drop(**discount)
    issue_coupon(shopper, drop)

    body = place(client_for(shopper), shopper, [{"productId": product.pk, "quantity": 1}], coupon_id=drop.pk).json()

    assert (body["totalAmount"], body["discountAmount"], body["paidAmount"]) == (total, expected, total - expected)
    assert body["couponId"] == drop.pk
    assert balance_of(shopper) == 100_000 - (total - expected)
    coupons = client_for(shopper).get(f"/api/coupon/users/{shopper.pk}").json()["items"]
    assert [c["status"] for c in coupons] == ["USED"]


def test_a_fully_discounted_order_costs_nothing_and_writes_no_payment(client_for, user):
    product = make_product(price=3_000)
    drop = make_drop(discount_type="PERCENT", discount_value=100)
    issue_coupon(user, drop)

    body = place(client_for(user), user, [{"productId": product.pk, "quantity": 1}], coupon_id=drop.pk).json()

    assert body["paidAmount"] == 0
    assert not LedgerEntry.objects.filter(user_id=user.pk, type="PAYMENT").exists()


# --- every error code, and nothing changed -------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"products": [{"productId": 1, "quantity": 1}]}, "userId"),
        ({"userId": "1", "products": [{"productId": 1, "quantity": 1}]}, "userId"),
        ({"userId": None, "products": []}, "userId"),
        ({"userId": "SELF"}, "products"),
        ({"userId": "SELF", "products": None}, "products"),
        ({"userId": "SELF", "products": "1"}, "products"),
        ({"userId": "SELF", "products": []}, "products"),
        ({"userId": "SELF", "products": [{"productId": "P", "quantity": 1}] * 51}, "products"),
        ({"userId": "SELF", "products": [{"productId": "P", "quantity": 0}]}, "products[0].quantity"),
        ({"userId": "SELF", "products": [{"productId": "P", "quantity": -1}]}, "products[0].quantity"),
        ({"userId": "SELF", "products": [{"productId": "P", "quantity": 101}]}, "products[0].quantity"),
        ({"userId": "SELF", "products": [{"productId": "P", "quantity": 1.5}]}, "products[0].quantity"),
        ({"userId": "SELF", "products": [{"productId": "P", "quantity": True}]}, "products[0].quantity"),
        ({"userId": "SELF", "products": [{"productId": "P", "quantity": "2"}]}, "products[0].quantity"),
        ({"userId": "SELF", "products": [{"productId": "P", "quantity": 10**20}]}, "products[0].quantity"),
        ({"userId": "SELF", "products": [{"productId": "P"}]}, "products[0].quantity"),
        ({"userId": "SELF", "products": [{"quantity": 1}]}, "products[0].productId"),
        ({"userId": "SELF", "products": [{"productId": 0, "quantity": 1}]}, "products[0].productId"),
        ({"userId": "SELF", "products": [{"productId": 10**20, "quantity": 1}]}, "products[0].productId"),
        ({"userId": "SELF", "products": ["P"]}, "products[0]"),
        (
            {"userId": "SELF", "products": [{"productId": "P", "quantity": 60}, {"productId": "P", "quantity": 41}]},
            "products[1].quantity",
        ),
        ({"userId": "SELF", "products": [{"productId": "P", "quantity": 1}], "couponId": "1"}, "couponId"),
        ({"userId": "SELF", "products": [{"productId": "P", "quantity": 1}], "couponId": -3}, "couponId"),
    ],
)
def test_malformed_orders_are_invalid_request(client_for, shopper, body, field):
    product = make_product()
    body = {
        key: (
            shopper.pk
            if value == "SELF"
            else [
                {k: (product.pk if v == "P" else v) for k, v in line.items()} if isinstance(line, dict) else line
                for line in value
            ]
            if isinstance(value, list)
            else value
        )
        for key, value in body.items()
    }
    before = snapshot(users=[shopper], products=[product])

    problem = assert_problem(
        client_for(shopper).post("/api/orders", body, format="json"), 400, "INVALID_REQUEST", "잘못된 요청"
    )

    assert any(error["field"] == field for error in problem["errors"]), problem
    assert snapshot(users=[shopper], products=[product]) == before


def test_malformed_json_and_wrong_content_type(client_for, shopper):
    client = client_for(shopper)
    assert_problem(client.post("/api/orders", "{not json", content_type="application/json"), 400, "INVALID_REQUEST")
    assert_problem(client.post("/api/orders", "userId=1", content_type="text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE")


def test_unknown_or_inactive_product_is_product_not_found(client_for, shopper):
    product = make_product()
    hidden = make_product(active=False)
    before = snapshot(users=[shopper], products=[product, hidden])
    client = client_for(shopper)

    for missing in (hidden.pk, 999_999_999):
        response = place(
            client, shopper, [{"productId": product.pk, "quantity": 1}, {"productId": missing, "quantity": 1}]
        )
        assert_problem(response, 404, "PRODUCT_NOT_FOUND", "상품을 찾을 수 없음")
    assert snapshot(users=[shopper], products=[product, hidden]) == before


def test_coupon_problems_are_invalid_coupon(client_for, shopper, other_user):
    product = make_product(price=10_000)
    not_mine = make_drop(name="남의 쿠폰")
    issue_coupon(other_user, not_mine)
    min_amount = make_drop(name="5만원 이상", min_order_amount=50_000)
    issue_coupon(shopper, min_amount)
    never_issued = make_drop(name="안 받은 쿠폰")
    before = snapshot(users=[shopper, other_user], products=[product], drops=[not_mine, min_amount, never_issued])
    client = client_for(shopper)

    for coupon_id in (not_mine.pk, min_amount.pk, never_issued.pk, 987_654_321):
        response = place(client, shopper, [{"productId": product.pk, "quantity": 1}], coupon_id=coupon_id)
        assert_problem(response, 409, "INVALID_COUPON", "유효하지 않은 쿠폰")
    assert (
        snapshot(users=[shopper, other_user], products=[product], drops=[not_mine, min_amount, never_issued]) == before
    )


def test_used_and_expired_coupons_are_invalid(client_for, shopper, time_machine):
    product = make_product(price=10_000, stock=10)
    drop = make_drop(valid_days=1)
    issue_coupon(shopper, drop)
    client = client_for(shopper)
    assert place(client, shopper, [{"productId": product.pk, "quantity": 1}], coupon_id=drop.pk).status_code == 201
    assert_problem(
        place(client, shopper, [{"productId": product.pk, "quantity": 1}], coupon_id=drop.pk), 409, "INVALID_COUPON"
    )

    expiring = make_drop(name="곧 만료", valid_days=1)
    issue_coupon(shopper, expiring)
    time_machine.move_to(expiring.issue_starts_at + timedelta(days=2))
    client = client_for(shopper)  # a token minted in the travelled-to time
    before = snapshot(users=[shopper], products=[product], drops=[expiring])
    assert_problem(
        place(client, shopper, [{"productId": product.pk, "quantity": 1}], coupon_id=expiring.pk), 409, "INVALID_COUPON"
    )
    assert snapshot(users=[shopper], products=[product], drops=[expiring]) == before


def test_out_of_stock_and_insufficient_balance_leave_no_trace(client_for, shopper):
    scarce = make_product(price=1_000, stock=2)
    pricey = make_product(price=200_000, stock=5)
    drop = make_drop()
    issue_coupon(shopper, drop)
    before = snapshot(users=[shopper], products=[scarce, pricey], drops=[drop])
    client = client_for(shopper)

    response = place(client, shopper, [{"productId": scarce.pk, "quantity": 3}], coupon_id=drop.pk)
    assert_problem(response, 409, "OUT_OF_STOCK", "재고 부족")
    response = place(client, shopper, [{"productId": pricey.pk, "quantity": 1}], coupon_id=drop.pk)
    assert_problem(response, 409, "INSUFFICIENT_BALANCE", "잔액 부족")

    assert snapshot(users=[shopper], products=[scarce, pricey], drops=[drop]) == before


def test_error_precedence(client_for, shopper, django_capture_on_commit_callbacks):
    """INVALID_REQUEST → PRODUCT_NOT_FOUND → INVALID_COUPON → OUT_OF_STOCK → INSUFFICIENT_BALANCE."""
    scarce_and_pricey = make_product(price=500_000, stock=0)
    client = client_for(shopper)
    line = {"productId": scarce_and_pricey.pk, "quantity": 1}

    assert_problem(place(client, shopper, [line, {"productId": 999_999_999, "quantity": 0}]), 400, "INVALID_REQUEST")
    assert_problem(
        place(client, shopper, [line, {"productId": 999_999_999, "quantity": 1}], coupon_id=424242),
        404,
        "PRODUCT_NOT_FOUND",
    )
    assert_problem(place(client, shopper, [line], coupon_id=424242), 409, "INVALID_COUPON")
    assert_problem(place(client, shopper, [line]), 409, "OUT_OF_STOCK")
    with django_capture_on_commit_callbacks(execute=True):
        product_update(product_id=scarce_and_pricey.pk, stock=1)  # a staff restock
    assert_problem(place(client, shopper, [line]), 409, "INSUFFICIENT_BALANCE")


def test_someone_elses_user_id_is_forbidden_and_staff_may_order_for_a_user(client_for, shopper, other_user, staff):
    product = make_product()
    before = snapshot(users=[shopper, other_user], products=[product])
    assert_problem(place(client_for(other_user), shopper, [{"productId": product.pk, "quantity": 1}]), 403, "FORBIDDEN")
    assert snapshot(users=[shopper, other_user], products=[product]) == before

    assert place(client_for(staff), shopper, [{"productId": product.pk, "quantity": 1}]).status_code == 201
    ghost = UserFactory.build(pk=987_654_321)
    assert_problem(place(client_for(staff), ghost, [{"productId": product.pk, "quantity": 1}]), 404, "INVALID_USER")


def test_orders_need_a_token(api, shopper):
    product = make_product()
    assert_problem(place(api, shopper, [{"productId": product.pk, "quantity": 1}]), 401, "UNAUTHENTICATED", "인증 오류")
    assert_problem(api.get("/api/orders"), 401, "UNAUTHENTICATED")


def test_someone_elses_order_is_not_found(client_for, shopper, other_user, staff):
    product = make_product()
    order_id = place(client_for(shopper), shopper, [{"productId": product.pk, "quantity": 1}]).json()["orderId"]
    intruder = client_for(other_user)

    assert_problem(intruder.get(f"/api/orders/{order_id}"), 404, "ORDER_NOT_FOUND", "주문을 찾을 수 없음")
    assert_problem(intruder.post(f"/api/orders/{order_id}/cancel"), 404, "ORDER_NOT_FOUND")
    assert_problem(intruder.get(f"/api/orders?userId={shopper.pk}"), 403, "FORBIDDEN")
    assert_problem(intruder.get("/api/orders/999999999"), 404, "ORDER_NOT_FOUND")
    assert_problem(intruder.get(f"/api/orders/{10**20}"), 404, "ORDER_NOT_FOUND")
    assert Order.objects.get(pk=order_id).status == "PAID"
    assert client_for(staff).get(f"/api/orders/{order_id}").status_code == 200
    assert client_for(staff).get(f"/api/orders?userId={shopper.pk}").json()["totalItems"] == 1


@pytest.mark.parametrize("query", ["userId=abc", "userId=-1", "userId=0", "page=-1", "size=101", "size=0", "page=x"])
def test_bad_list_queries_are_invalid_request(client_for, shopper, query):
    assert_problem(client_for(shopper).get(f"/api/orders?{query}"), 400, "INVALID_REQUEST")


# --- Idempotency-Key ------------------------------------------------------------------------------


def test_idempotency_key_replays_the_order_once(client_for, shopper):
    product = make_product(price=1_000, stock=10)
    client = client_for(shopper)
    line = [{"productId": product.pk, "quantity": 1}]

    first = place(client, shopper, line, HTTP_IDEMPOTENCY_KEY="order-1")
    again = place(client, shopper, line, HTTP_IDEMPOTENCY_KEY="order-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.filter(user=shopper).count() == 1
    assert balance_of(shopper) == 99_000
    other = place(client, shopper, [{"productId": product.pk, "quantity": 2}], HTTP_IDEMPOTENCY_KEY="order-1")
    assert_problem(other, 422, "IDEMPOTENCY_KEY_REUSED", "다른 요청에 사용된 멱등키")


def test_a_key_is_per_user(client_for, shopper, other_user):
    fund(other_user, 10_000)
    product = make_product(price=1_000, stock=10)
    place(client_for(shopper), shopper, [{"productId": product.pk, "quantity": 1}], HTTP_IDEMPOTENCY_KEY="same")
    response = place(
        client_for(other_user), other_user, [{"productId": product.pk, "quantity": 1}], HTTP_IDEMPOTENCY_KEY="same"
    )
    assert response.status_code == 201
    assert not response.has_header("Idempotent-Replayed")
