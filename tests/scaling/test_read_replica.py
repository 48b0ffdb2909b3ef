"""A real streaming replica (pg_basebackup -R) behind a real web node: with replay paused, a
shopper still reads back their own new order, balance and coupon (pinned to the primary), while
an anonymous catalog read comes from the replica, which has not seen the change yet."""

import os
import time
from urllib.parse import quote

from tests.support.servers import http, manage, web_node

PIN_SECONDS = 2
STAFF = ("replica-staff", "Quiet-river-2718!")
SHOPPER = ("replica-shopper", "Sunny-apple-9431!")


def _token(base: str, username: str, password: str) -> str:
    status, body, _ = http(base, "/api/auth/token", method="POST", body={"username": username, "password": password})
    assert status == 200, body
    return body["access"]


def _names(base: str, keyword: str) -> list[str]:
    status, body, _ = http(base, f"/api/products?keyword={quote(keyword)}")
    assert status == 200, body
    return [item["name"] for item in body["items"]]


def test_own_writes_read_back_from_the_primary_while_the_catalog_reads_the_replica(postgres_pair):
    pair = postgres_pair
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": pair.url("primary"),
        "DATABASE_REPLICA_URL": pair.url("replica"),
        "REPLICA_PIN_SECONDS": str(PIN_SECONDS),
    }
    manage(env, "migrate", "--no-input", "-v", "0")
    staff_code = (
        "from django.contrib.auth import get_user_model;"
        f"get_user_model().objects.create_user(username={STAFF[0]!r}, password={STAFF[1]!r}, is_staff=True)"
    )
    manage(env, "shell", "-c", staff_code)

    with web_node(env) as base:
        staff = _token(base, *STAFF)
        status, body, _ = http(
            base, "/api/auth/signup", method="POST", body=dict(zip(("username", "password"), SHOPPER))
        )
        assert status == 201, body
        user_id = body["userId"]
        shopper = _token(base, *SHOPPER)
        status, product, _ = http(
            base, "/api/products", method="POST", token=staff, body={"name": "복제 사과", "price": 1000, "stock": 10}
        )
        assert status == 201, product
        coupon = {
            "name": "복제 쿠폰",
            "discountType": "FIXED",
            "discountValue": 500,
            "totalQuantity": 10,
            "validDays": 7,
        }
        status, drop, _ = http(base, "/api/coupons", method="POST", token=staff, body=coupon)
        assert status == 201, drop
        status, body, _ = http(
            base, "/api/balance/charge", method="POST", token=shopper, body={"userId": user_id, "amount": 10_000}
        )
        assert status == 200, body

        pair.wait_caught_up()
        pair.pause_replay()
        try:
            # the shopper's writes land on the primary; the replica replays none of them
            charge = {"userId": user_id, "amount": 5_000}
            assert http(base, "/api/balance/charge", method="POST", token=shopper, body=charge)[0] == 200
            issue = {"userId": user_id, "couponId": drop["couponId"]}
            status, user_coupon, _ = http(base, "/api/coupon/issue", method="POST", token=shopper, body=issue)
            assert status == 201, user_coupon
            purchase = {
                "userId": user_id,
                "products": [{"productId": product["id"], "quantity": 2}],
                "couponId": drop["couponId"],
            }
            status, order, _ = http(base, "/api/orders", method="POST", token=shopper, body=purchase)
            assert status == 201, order
            assert order["paidAmount"] == 1_500
            assert pair.sql("replica", "SELECT count(*) FROM orders_order") == "0"  # really not replayed

            # ...and the shopper reads every one of them back at once
            status, balance, _ = http(base, f"/api/balance/{user_id}", token=shopper)
            assert (status, balance["balance"]) == (200, 13_500)
            status, history, _ = http(base, f"/api/balance/{user_id}/history", token=shopper)
            assert [entry["type"] for entry in history["items"]] == ["PAYMENT", "CHARGE", "CHARGE"]
            status, orders, _ = http(base, f"/api/orders?userId={user_id}", token=shopper)
            assert [item["orderId"] for item in orders["items"]] == [order["orderId"]]
            assert http(base, f"/api/orders/{order['orderId']}", token=shopper)[0] == 200
            status, coupons, _ = http(base, f"/api/coupon/users/{user_id}", token=shopper)
            assert [(c["userCouponId"], c["status"]) for c in coupons["items"]] == [
                (user_coupon["userCouponId"], "USED")
            ]

            # an anonymous catalog read is the replica's: a rename made on the primary is not in it
            time.sleep(PIN_SECONDS + 0.5)  # the staff edits' catalog pin has lapsed
            pair.sql("primary", f"UPDATE products_product SET name = '복제 확인용 사과' WHERE id = {product['id']}")
            assert pair.sql("primary", "SELECT count(*) FROM products_product WHERE name LIKE '%확인용%'") == "1"
            assert _names(base, "확인용") == []
            # once the shopper's pin lapses, their history reads go to the replica too
            status, orders, _ = http(base, f"/api/orders?userId={user_id}", token=shopper)
            assert (status, orders["items"]) == (200, [])
        finally:
            pair.resume_replay()

        pair.wait_caught_up()
        assert _names(base, "확인용 사과") == ["복제 확인용 사과"]
        status, orders, _ = http(base, f"/api/orders?userId={user_id}", token=shopper)
        assert [item["orderId"] for item in orders["items"]] == [order["orderId"]]
