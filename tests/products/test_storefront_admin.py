from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from products import services
from products.demo import demo_products, load_demo_products
from products.demo_drops import DEMO_DROPS, WAITING_ROOM_ADMIT_PER_SECOND, WAITING_ROOM_DROP, load_demo_drops
from products.models import Product
from tests.support.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_catalog_page_lists_searches_and_pages(client):
    for i in range(25):
        ProductFactory(name=f"유기농 사과 {i:02d}", price=12000)
    ProductFactory(name="바나나")
    ProductFactory(name="숨김 사과", active=False)
    html = client.get("/products/").content.decode()
    assert "유기농 사과 00" in html and "12,000원" in html and 'name="keyword"' in html
    assert "유기농 사과 19" in html and "유기농 사과 20" not in html  # 20 a page
    assert "page=1" in html and "1 / 2" in html
    html = client.get("/products/", {"page": 1}).content.decode()
    assert "유기농 사과 20" in html and "바나나" in html
    html = client.get("/products/", {"keyword": "사과"}).content.decode()
    assert "총 25개" in html and "바나나" not in html and "숨김 사과" not in html
    assert "keyword=%EC%82%AC%EA%B3%BC&amp;page=1" in html
    assert client.get("/products/", {"page": "abc"}).status_code == 200
    assert "검색 결과가 없습니다" in client.get("/products/", {"keyword": "없는상품"}).content.decode()


def test_product_page_with_add_to_cart_form(client):
    product = ProductFactory(name="제주 감귤 5kg", description="새콤달콤", price=24900, stock=3)
    html = client.get(f"/products/{product.id}/").content.decode()
    assert "제주 감귤 5kg" in html and "24,900원" in html and "새콤달콤" in html
    assert 'action="/orders/cart/add/"' in html and 'method="post"' in html
    assert f'name="product_id" value="{product.id}"' in html and 'name="quantity"' in html
    assert "csrfmiddlewaretoken" in html
    inactive = ProductFactory(active=False)
    assert client.get(f"/products/{inactive.id}/").status_code == 404
    assert client.get("/products/987654/").status_code == 404


def test_home_shows_best_sellers(client):
    now = datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Asia/Seoul"))
    hit = ProductFactory(name="대박 상품", price=15000)
    services.sales_record(quantities={hit.id: 9}, sold_at=now)
    with time_machine.travel(now, tick=False):
        html = client.get("/").content.decode()
    assert 'id="best-sellers"' in html and "인기 상품" in html
    assert "대박 상품" in html and "15,000원" in html and f"/products/{hit.id}/" in html


def test_admin_lists_searches_and_bulk_toggles(client, staff, api, django_capture_on_commit_callbacks):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    a = ProductFactory(name="관리 사과", price=12000, stock=7)
    b = ProductFactory(name="관리 배")
    html = client.get("/admin/products/product/", {"q": "사과"}).content.decode()
    assert "관리 사과" in html and "관리 배" not in html and "12000" in html
    assert api.get("/api/products").json()["totalItems"] == 2  # cached now
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/products/product/", {"action": "deactivate", "_selected_action": [a.id, b.id]}, follow=True
        )
    assert response.status_code == 200
    assert not Product.objects.filter(active=True).exists()
    assert api.get("/api/products").json()["totalItems"] == 0  # the version bump dropped the page
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/products/product/", {"action": "activate", "_selected_action": [a.id]})
    assert [item["id"] for item in api.get("/api/products").json()["items"]] == [a.id]


def test_admin_edit_bumps_the_cache_version(client, staff, api, django_capture_on_commit_callbacks):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    product = ProductFactory(name="옛 이름", price=1000, stock=1)
    assert api.get(f"/api/products/{product.id}").json()["name"] == "옛 이름"
    form = {"name": "새 이름", "description": "", "price": 2000, "stock": 1, "active": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/products/product/{product.id}/change/", form)
    assert response.status_code == 302
    assert api.get(f"/api/products/{product.id}").json()["name"] == "새 이름"
    bad = client.post(f"/admin/products/product/{product.id}/change/", {**form, "price": 0, "stock": -1})
    assert bad.status_code == 200  # the form shows the errors
    product.refresh_from_db()
    assert (product.price, product.stock) == (2000, 1)


def test_demo_loader_is_idempotent_with_korean_names():
    names = [p["name"] for p in demo_products()]
    assert len(names) >= 200 and len(set(names)) == len(names)
    assert all(any("\uac00" <= ch <= "\ud7a3" for ch in name) for name in names)
    assert load_demo_products() == len(names)
    assert load_demo_products() == 0
    assert Product.objects.count() == len(names)
    assert not Product.objects.filter(price__lte=0).exists()
    call_command("load_demo", any_database=True)
    assert Product.objects.count() == len(names) + len(DEMO_DROPS)


def test_demo_drops_one_of_each_state_and_idempotent():
    from products.drops import status_of

    assert load_demo_drops() == len(DEMO_DROPS) == 4
    drops = list(Product.objects.filter(name__in=[drop[0] for drop in DEMO_DROPS]).order_by("sale_starts_at"))
    assert sorted(status_of(p) for p in drops) == ["ENDED", "ON_SALE", "SOLD_OUT", "UPCOMING"]
    upcoming = next(p for p in drops if status_of(p) == "UPCOMING")
    assert timedelta(minutes=9) <= upcoming.sale_starts_at - timezone.now() <= timedelta(minutes=10)
    before = sorted(Product.objects.values_list("id", "sale_starts_at", "sale_ends_at", "stock"))
    assert load_demo_drops() == 0
    assert sorted(Product.objects.values_list("id", "sale_starts_at", "sale_ends_at", "stock")) == before
    # one drop has its waiting room on, the live one (a newcomer can join, be admitted and buy)
    rooms = list(Product.objects.filter(waiting_room=True))
    assert [(p.name, status_of(p), p.admit_per_second) for p in rooms] == [
        (WAITING_ROOM_DROP, "ON_SALE", WAITING_ROOM_ADMIT_PER_SECOND)
    ]


def test_seed_products_command():
    call_command("seed_products", "--count", "500")
    assert Product.objects.filter(active=True).count() == 500
    assert Product.objects.filter(name__contains="000499").count() == 1
