"""A cache outage degrades to the database, never to an error (SPEC §8). Redis is really
unreachable here: the cache points at a closed local port, so every call is refused."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from products import services
from tests.support.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_api_answers_from_the_database_when_redis_is_down(
    redis_down, api, client_for, staff, django_capture_on_commit_callbacks
):
    now = datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Asia/Seoul"))
    a = ProductFactory(name="사과", price=3000)
    b = ProductFactory(name="배", active=False)
    services.sales_record(quantities={a.id: 4}, sold_at=now)

    body = api.get("/api/products", {"keyword": "사과"}).json()
    assert [item["id"] for item in body["items"]] == [a.id]
    assert api.get(f"/api/products/{a.id}").json()["name"] == "사과"
    with time_machine.travel(now, tick=False):
        top = api.get("/api/products/top")
    assert top.status_code == 200
    assert top.json()["items"][0] == {"rank": 1, "productId": a.id, "name": "사과", "price": 3000, "soldQuantity": 4}

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).patch(f"/api/products/{b.id}", {"active": True}, format="json")
    assert response.status_code == 200
    assert api.get("/api/products").json()["totalItems"] == 2


def test_storefront_pages_render_when_redis_is_down(redis_down, client):
    product = ProductFactory(name="오렌지")
    assert client.get("/").status_code == 200
    assert "오렌지" in client.get("/products/").content.decode()
    assert client.get(f"/products/{product.id}/").status_code == 200
