"""Timed drops in the catalog: the derived sale status, the API fields, cached pages that switch at
the second, the drops list, the staff rules and the database CHECKs."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from products import services
from products.drops import SaleStatus, resolve_statuses, sale_status, status_token
from products.models import Product
from tests.support.api import assert_problem
from tests.support.factories import ProductFactory

pytestmark = pytest.mark.django_db

DROP_KEYS = {
    "listPrice",
    "saleStartsAt",
    "saleEndsAt",
    "perCustomerLimit",
    "waitingRoom",
    "admitPerSecond",
    "saleStatus",
}


def moment(seconds: float):
    return timezone.now().replace(microsecond=0) + timedelta(seconds=seconds)


def test_status_follows_the_window_then_the_stock():
    start, end = moment(100), moment(200)
    at = lambda s: sale_status(starts_at=start, ends_at=end, stock=5, at=s)  # noqa: E731
    assert at(start - timedelta(microseconds=1)) == SaleStatus.UPCOMING
    assert at(start) == SaleStatus.ON_SALE
    assert at(end - timedelta(microseconds=1)) == SaleStatus.ON_SALE
    assert at(end) == SaleStatus.ENDED
    assert sale_status(starts_at=start, ends_at=end, stock=0, at=start) == SaleStatus.SOLD_OUT
    assert sale_status(starts_at=start, ends_at=end, stock=0, at=end) == SaleStatus.ENDED
    assert sale_status(starts_at=None, ends_at=None, stock=0, at=start) == SaleStatus.SOLD_OUT


def test_a_cached_token_resolves_at_the_time_of_the_answer():
    start, end = moment(100), moment(200)
    body = b'{"saleStatus":"' + status_token(starts_at=start, ends_at=end, stock=3).encode() + b'"}'
    assert resolve_statuses(body, at=start - timedelta(seconds=1)) == b'{"saleStatus":"UPCOMING"}'
    assert resolve_statuses(body, at=start) == b'{"saleStatus":"ON_SALE"}'
    assert resolve_statuses(body, at=end) == b'{"saleStatus":"ENDED"}'
    # A name holding the token's text is never touched: inside a JSON string quotes are escaped.
    name = b'{"name":"\\"saleStatus\\":\\"~sale~1~2~0~\\""}'
    assert resolve_statuses(name, at=start) == name


def test_database_checks_each_rule():
    for bad in (
        {"price": 10_000, "list_price": 9_999},
        {"sale_starts_at": moment(10), "sale_ends_at": moment(10)},
        {"per_customer_limit": 0},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Product.objects.create(name="x", price=bad.pop("price", 1_000), stock=1, **bad)


def test_every_product_object_carries_the_drop_fields(api, client_for, staff):
    plain = ProductFactory(price=3_000, stock=0)
    drop = ProductFactory(
        price=9_000,
        list_price=12_000,
        stock=4,
        sale_starts_at=moment(-60),
        sale_ends_at=moment(3600),
        per_customer_limit=2,
    )
    listed = {item["id"]: item for item in api.get("/api/products").json()["items"]}
    assert set(listed[plain.id]) == {"id", "name", "price", "stock", "imageUrl", "thumbnailUrl", "category"} | DROP_KEYS
    assert listed[plain.id]["saleStatus"] == "SOLD_OUT" and listed[plain.id]["saleStartsAt"] is None
    detail = api.get(f"/api/products/{drop.id}").json()
    assert detail["listPrice"] == 12_000 and detail["perCustomerLimit"] == 2
    assert detail["saleStatus"] == "ON_SALE"
    assert detail["saleStartsAt"] == timezone.localtime(drop.sale_starts_at).isoformat()
    assert detail["saleStartsAt"].endswith("+09:00")
    patched = client_for(staff).patch(f"/api/products/{drop.id}", {"stock": 0}, format="json").json()
    assert patched["saleStatus"] == "SOLD_OUT" and set(patched) >= DROP_KEYS | {"active"}


def test_cached_list_and_detail_switch_at_the_start_and_end_second(api, time_machine, django_assert_num_queries):
    start = moment(30)
    end = start + timedelta(seconds=2)
    time_machine.move_to(start - timedelta(seconds=1), tick=False)
    drop = ProductFactory(sale_starts_at=start, sale_ends_at=end, stock=5)
    assert api.get("/api/products").json()["items"][0]["saleStatus"] == "UPCOMING"
    assert api.get(f"/api/products/{drop.id}").json()["saleStatus"] == "UPCOMING"

    def statuses() -> tuple[str, str]:
        # Both from the cache: the whole test stays inside an entry's life before its refresh
        # (products.cache.REFRESH_WINDOW), so the switch is the answer's, not a new rendering.
        with django_assert_num_queries(0):
            listed = api.get("/api/products").json()["items"][0]["saleStatus"]
            detail = api.get(f"/api/products/{drop.id}").json()["saleStatus"]
        return listed, detail

    time_machine.move_to(start - timedelta(microseconds=1), tick=False)
    assert statuses() == ("UPCOMING", "UPCOMING")
    time_machine.move_to(start, tick=False)
    assert statuses() == ("ON_SALE", "ON_SALE")
    time_machine.move_to(end - timedelta(microseconds=1), tick=False)
    assert statuses() == ("ON_SALE", "ON_SALE")
    time_machine.move_to(end, tick=False)
    assert statuses() == ("ENDED", "ENDED")


def test_drops_lists_active_drops_not_ended_by_start_then_id(api, time_machine):
    time_machine.move_to(moment(0), tick=False)
    later = ProductFactory(name="later", sale_starts_at=moment(600))
    live_b = ProductFactory(name="live b", sale_starts_at=moment(-60), sale_ends_at=moment(5))
    live_a = ProductFactory(name="live a", sale_starts_at=moment(-60))
    sold_out = ProductFactory(name="sold out", sale_starts_at=moment(-120), stock=0)
    ProductFactory(name="ended", sale_starts_at=moment(-600), sale_ends_at=moment(-1))
    ProductFactory(name="inactive", sale_starts_at=moment(-60), active=False)
    ProductFactory(name="not a drop")
    body = api.get("/api/products/drops").json()
    assert [item["id"] for item in body["items"]] == [sold_out.id, live_b.id, live_a.id, later.id]
    assert [item["saleStatus"] for item in body["items"]] == ["SOLD_OUT", "ON_SALE", "ON_SALE", "UPCOMING"]
    assert set(body["items"][0]) == {"id", "name", "price", "stock", "imageUrl", "thumbnailUrl", "category"} | DROP_KEYS
    # From the cache, seconds later: the drop that ended meanwhile is left out.
    time_machine.move_to(moment(6), tick=False)
    assert [item["id"] for item in api.get("/api/products/drops").json()["items"]] == [
        sold_out.id,
        live_a.id,
        later.id,
    ]


def test_staff_create_and_update_rules(client_for, staff):
    client = client_for(staff)
    base = {"name": "타임딜", "price": 10_000, "stock": 5}
    created = client.post(
        "/api/products",
        base
        | {
            "listPrice": 15_000,
            "saleStartsAt": "2030-12-03T10:00:00+09:00",
            "saleEndsAt": "2030-12-03T12:00:00+09:00",
            "perCustomerLimit": 1,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["saleStatus"] == "UPCOMING" and body["saleStartsAt"] == "2030-12-03T10:00:00+09:00"
    assert body["listPrice"] == 15_000 and body["perCustomerLimit"] == 1

    for bad, field in (
        ({"listPrice": 9_999}, "listPrice"),
        ({"saleStartsAt": "2030-12-03T10:00:00+09:00", "saleEndsAt": "2030-12-03T10:00:00+09:00"}, "saleEndsAt"),
        ({"perCustomerLimit": 0}, "perCustomerLimit"),
        ({"perCustomerLimit": "1"}, "perCustomerLimit"),
        ({"admitPerSecond": 0}, "admitPerSecond"),
        ({"admitPerSecond": 10_001}, "admitPerSecond"),
        ({"saleStartsAt": "내일"}, "saleStartsAt"),
    ):
        problem = assert_problem(client.post("/api/products", base | bad, format="json"), 400, "INVALID_REQUEST")
        assert [error["field"] for error in problem["errors"]] == [field], problem

    url = f"/api/products/{body['id']}"
    # The rules hold for the product as it would be: a price above the 정가, an end before the start.
    problem = assert_problem(client.patch(url, {"price": 16_000}, format="json"), 400, "INVALID_REQUEST")
    assert problem["errors"][0]["field"] == "listPrice"
    problem = assert_problem(
        client.patch(url, {"saleEndsAt": "2030-12-03T09:00:00+09:00"}, format="json"), 400, "INVALID_REQUEST"
    )
    assert problem["errors"][0]["field"] == "saleEndsAt"
    assert Product.objects.get(pk=body["id"]).price == 10_000
    cleared = client.patch(url, {"saleStartsAt": None, "saleEndsAt": None, "listPrice": None}, format="json")
    assert cleared.status_code == 200 and cleared.json()["saleStatus"] == "ON_SALE"
    assert cleared.json()["listPrice"] is None


def test_end_now_ends_live_and_upcoming_drops_only(time_machine):
    time_machine.move_to(moment(0), tick=False)
    live = ProductFactory(sale_starts_at=moment(-60), sale_ends_at=moment(600))
    upcoming = ProductFactory(sale_starts_at=moment(60))
    ended = ProductFactory(sale_starts_at=moment(-600), sale_ends_at=moment(-60))
    plain = ProductFactory()
    changed = services.drop_end_now(product_ids=[live.id, upcoming.id, ended.id, plain.id])
    assert changed == 2
    for product in (live, upcoming):
        product.refresh_from_db()
        assert (
            sale_status(starts_at=product.sale_starts_at, ends_at=product.sale_ends_at, stock=1, at=timezone.now())
            == SaleStatus.ENDED
        )
    ended_before = ended.sale_ends_at
    ended.refresh_from_db()
    plain.refresh_from_db()
    assert ended.sale_ends_at == ended_before and plain.sale_ends_at is None


def test_a_token_before_1970_resolves_too():
    ancient = timezone.now().replace(year=1, month=1, day=2)
    body = b'{"saleStatus":"' + status_token(starts_at=ancient, ends_at=None, stock=1).encode() + b'"}'
    assert resolve_statuses(body) == b'{"saleStatus":"ON_SALE"}'
