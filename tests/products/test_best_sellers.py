import json
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django_redis import get_redis_connection

from products import best_sellers, cache, services
from products.models import ProductSales
from products.tasks import best_sellers_refresh
from tests.support.factories import ProductFactory

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
URL = "/api/products/top"


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SEOUL)


def sell(product, quantity, when):
    services.sales_record(quantities={product.id: quantity}, sold_at=when)


def test_top_5_over_three_seoul_days_with_the_window_boundary(api):
    p = [ProductFactory(name=f"상품{i}", price=1000 * (i + 1)) for i in range(8)]
    # "today" is 2026-11-25 in Seoul; the window is 11-23 00:00 .. 11-25 23:59 KST
    sell(p[0], 100, at(2026, 11, 22, 23, 59, 59))  # the day before the window: excluded
    sell(p[1], 5, at(2026, 11, 23, 0, 0, 0))  # first second of the window
    sell(p[1], 5, at(2026, 11, 25, 23, 0))
    sell(p[2], 7, at(2026, 11, 24, 12, 0))
    sell(p[3], 7, at(2026, 11, 25, 1, 0))  # tie with p[2]: lower id first
    sell(p[4], 3, datetime(2026, 11, 22, 15, 30, tzinfo=ZoneInfo("UTC")))  # = 11-23 00:30 KST: inside
    sell(p[5], 2, at(2026, 11, 24))
    sell(p[6], 1, at(2026, 11, 24))
    sell(p[7], 50, at(2026, 11, 26, 0, 0, 1))  # tomorrow in Seoul: not in today's window
    with time_machine.travel(at(2026, 11, 25, 23, 59, 0), tick=False):
        response = api.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["from"] == "2026-11-23" and body["to"] == "2026-11-25"
    assert body["items"] == [
        {"rank": 1, "productId": p[1].id, "name": "상품1", "price": 2000, "soldQuantity": 10},
        {"rank": 2, "productId": p[2].id, "name": "상품2", "price": 3000, "soldQuantity": 7},
        {"rank": 3, "productId": p[3].id, "name": "상품3", "price": 4000, "soldQuantity": 7},
        {"rank": 4, "productId": p[4].id, "name": "상품4", "price": 5000, "soldQuantity": 3},
        {"rank": 5, "productId": p[5].id, "name": "상품5", "price": 6000, "soldQuantity": 2},
    ]


def test_window_moves_at_seoul_midnight_not_utc(api):
    old, new = ProductFactory(), ProductFactory()
    sell(old, 9, at(2026, 11, 22, 10, 0))
    sell(new, 1, at(2026, 11, 25, 10, 0))
    # 2026-11-24 15:30 UTC is still 11-24 in UTC but already 11-25 00:30 in Seoul
    with time_machine.travel(datetime(2026, 11, 24, 15, 30, tzinfo=ZoneInfo("UTC")), tick=False):
        body = api.get(URL).json()
    assert (body["from"], body["to"]) == ("2026-11-23", "2026-11-25")
    assert [item["productId"] for item in body["items"]] == [new.id]
    with time_machine.travel(at(2026, 11, 24, 23, 0), tick=False):
        body = api.get(URL).json()
    assert [item["productId"] for item in body["items"]] == [old.id]


def test_ties_by_lower_product_id(api):
    products = [ProductFactory() for _ in range(7)]
    now = at(2026, 11, 25, 12, 0)
    for product in reversed(products):
        sell(product, 4, now)
    with time_machine.travel(now, tick=False):
        items = api.get(URL).json()["items"]
    assert [item["productId"] for item in items] == [p.id for p in products[:5]]
    assert [item["rank"] for item in items] == [1, 2, 3, 4, 5]


def test_reverted_sales_are_excluded_on_the_day_they_were_recorded(api):
    a, b, c = ProductFactory(), ProductFactory(), ProductFactory()
    sold_at = at(2026, 11, 24, 23, 59, 30)  # the order was placed just before midnight
    services.sales_record(quantities={a.id: 10, b.id: 3, c.id: 2}, sold_at=sold_at)
    services.sales_record(quantities={b.id: 1}, sold_at=at(2026, 11, 25, 9, 0))
    with time_machine.travel(at(2026, 11, 25, 0, 5), tick=False):
        # cancelled the next day: the revert still lands on 11-24
        services.sales_revert(quantities={a.id: 10, b.id: 3}, sold_at=sold_at)
    assert {row.day.isoformat() for row in ProductSales.objects.filter(quantity__lt=0)} == {"2026-11-24"}
    with time_machine.travel(at(2026, 11, 25, 10, 0), tick=False):
        items = api.get(URL).json()["items"]
    assert [(item["productId"], item["soldQuantity"]) for item in items] == [(c.id, 2), (b.id, 1)]


def test_inactive_products_are_left_out(api):
    a, b = ProductFactory(), ProductFactory(active=False)
    now = at(2026, 11, 25, 12, 0)
    sell(a, 1, now)
    sell(b, 5, now)
    with time_machine.travel(now, tick=False):
        assert [item["productId"] for item in api.get(URL).json()["items"]] == [a.id]


def test_empty_top(api):
    body = api.get(URL).json()
    assert body["items"] == []
    assert body["from"] < body["to"]


def test_top_is_served_from_the_cache_and_refreshed_by_the_beat_task(api, django_assert_num_queries, settings):
    product = ProductFactory()
    now = at(2026, 11, 25, 12, 0)
    with time_machine.travel(now, tick=False):
        sell(product, 2, now)
        best_sellers_refresh()  # what beat runs about every 10 s
        with django_assert_num_queries(0):
            first = api.get(URL)
        assert first.json()["items"][0]["soldQuantity"] == 2
        sell(product, 3, now)
        with django_assert_num_queries(0):
            assert api.get(URL).json()["items"][0]["soldQuantity"] == 2  # cached until the next refresh
        best_sellers_refresh()
        assert api.get(URL).json()["items"][0]["soldQuantity"] == 5
    assert "products-best-sellers-refresh" in settings.CELERY_BEAT_SCHEDULE
    entry = settings.CELERY_BEAT_SCHEDULE["products-best-sellers-refresh"]
    assert entry["task"] == "products.tasks.best_sellers_refresh" and entry["schedule"] <= 10


@pytest.mark.django_db(transaction=True)
def test_single_flight_runs_the_query_once_for_a_stampede(monkeypatch):
    calls = []
    started = threading.Event()
    real_render = best_sellers._render

    def slow_render():
        calls.append(1)
        started.set()
        threading.Event().wait(0.2)
        return real_render()

    monkeypatch.setattr(best_sellers, "_render", slow_render)
    key = best_sellers.best_sellers_key()
    results = []

    def request():
        try:
            results.append(cache.fetch_single_flight(key, best_sellers._render, cache.BEST_SELLERS_TTL))
        finally:
            connection.close()

    first = threading.Thread(target=request)
    first.start()
    started.wait(2)
    others = [threading.Thread(target=request) for _ in range(10)]
    for thread in others:
        thread.start()
    for thread in [first, *others]:
        thread.join()
    assert len(calls) == 1
    assert len(results) == 11 and len(set(results)) == 1


def test_a_request_that_loses_the_race_falls_back_to_the_database(monkeypatch):
    monkeypatch.setattr(cache, "LOCK_WAIT", 0.2)
    key = best_sellers.best_sellers_key()
    assert cache._cache().add(f"{key}:lock", 1, timeout=5)  # someone else is (still) computing
    product = ProductFactory()
    services.sales_record(quantities={product.id: 1}, sold_at=datetime.now(SEOUL))
    body = cache.fetch_single_flight(key, best_sellers._render, cache.BEST_SELLERS_TTL)
    assert json.loads(body)["items"][0]["productId"] == product.id
    assert cache.lookup(key)[1] is None  # only the lock holder fills the key


def test_late_in_its_life_an_entry_is_refreshed_by_one_request_and_served_to_the_others(monkeypatch):
    monkeypatch.setattr(cache, "REFRESH_WINDOW", (0.5, 0.5))
    key = cache.key("refresh-test")
    calls = []

    def compute(label):
        def run():
            calls.append(label)
            return label.encode()

        return run

    with time_machine.travel(1_800_000_000, tick=False) as traveller:
        assert cache.fetch_single_flight(key, compute("first"), 10) == b"first"
        traveller.shift(4)  # not due yet: served, nothing computed
        assert cache.fetch_single_flight(key, compute("early"), 10) == b"first"
        assert cache.lookup_fresh(key) == b"first"
        traveller.shift(2)  # due (Redis still holds it: its ttl is 10 s)
        assert cache.lookup_fresh(key) is None  # due: fetch_single_flight takes the refresh path
        assert cache._cache().add(f"{key}:lock", 1, timeout=5)  # someone else is refreshing it
        assert cache.fetch_single_flight(key, compute("waiting"), 10) == b"first"  # served at once
        cache._cache().delete(f"{key}:lock")
        assert cache.fetch_single_flight(key, compute("refresh"), 10) == b"refresh"
        assert cache.fetch_single_flight(key, compute("after"), 10) == b"refresh"
    assert calls == ["first", "refresh"]


def test_cached_pages_and_top_expire_within_10_seconds(api):
    ProductFactory()
    api.get("/api/products")
    api.get("/api/products/top")
    redis = get_redis_connection("default")
    keys = [k.decode() for k in redis.keys("*products:*") if not k.endswith(b"products:version")]
    assert any(":list:" in k for k in keys) and any(":top:" in k for k in keys), keys
    assert all(0 < redis.ttl(k) <= 10 for k in keys)
    assert redis.ttl(next(k for k in redis.keys("*products:version"))) == -1  # the version never expires
