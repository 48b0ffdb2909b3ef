"""Categories and sorting (API.md § Categories and sorting): GET /api/categories, and the list's
`category` and `sort` with paging and keyword together; a search stays on the trigram index."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from products import selectors
from products.models import Category, Product
from products.seed import seed_products
from tests.support.api import assert_problem
from tests.support.factories import ProductFactory

pytestmark = pytest.mark.django_db

URL = "/api/products"


@pytest.fixture
def shelves():
    fruit = Category.objects.create(slug="fruit", name="과일", order=2)
    digital = Category.objects.create(slug="digital", name="디지털", order=1)
    Category.objects.create(slug="empty", name="빈 칸", order=3)
    now = timezone.now()
    made = []
    # 7 fruits (one inactive), 3 digital, 2 without a category; prices and ages out of id order
    for i, (name, category, price, active) in enumerate(
        [
            ("사과 A", fruit, 5000, True),
            ("키보드", digital, 89000, True),
            ("사과 B", fruit, 3000, True),
            ("배", fruit, 3000, True),
            ("사과 C", fruit, 9000, False),
            ("마우스", digital, 19000, True),
            ("감귤", fruit, 12000, True),
            ("사과 주스", None, 2500, True),
            ("사과 D", fruit, 7000, True),
            ("이어폰 사과색", digital, 59000, True),
            ("포도", fruit, 3000, True),
            ("생수", None, 900, True),
        ]
    ):
        made.append(ProductFactory(name=name, category=category, price=price, active=active))
    # created_at: a different age per product, not in id order
    for age, product in zip([5, 9, 1, 7, 3, 11, 2, 8, 4, 10, 6, 0], made, strict=True):
        Product.objects.filter(pk=product.pk).update(created_at=now - timedelta(hours=age))
    return {p.name: p.id for p in made}


def test_categories_in_menu_order_with_active_products_counted(api, shelves):
    response = api.get("/api/categories")
    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {"slug": "digital", "name": "디지털", "productCount": 3},
            {"slug": "fruit", "name": "과일", "productCount": 6},
            {"slug": "empty", "name": "빈 칸", "productCount": 0},
        ]
    }


def test_product_objects_carry_their_category(api, shelves):
    item = api.get(URL, {"category": "digital", "size": 1}).json()["items"][0]
    assert item["category"] == {"slug": "digital", "name": "디지털"}
    assert api.get(f"{URL}/{shelves['생수']}").json()["category"] is None
    assert api.get(f"{URL}/{shelves['키보드']}").json()["category"] == {"slug": "digital", "name": "디지털"}


@pytest.mark.parametrize(
    ("params", "expected", "total"),
    [
        ({"category": "fruit"}, ["사과 A", "사과 B", "배", "감귤", "사과 D", "포도"], 6),
        ({"category": "fruit", "sort": "price"}, ["사과 B", "배", "포도", "사과 A", "사과 D", "감귤"], 6),
        ({"category": "fruit", "sort": "-price"}, ["감귤", "사과 D", "사과 A", "사과 B", "배", "포도"], 6),
        ({"category": "fruit", "sort": "new"}, ["사과 B", "감귤", "사과 D", "사과 A", "포도", "배"], 6),
        ({"category": "fruit", "sort": "price", "page": 1, "size": 4}, ["사과 D", "감귤"], 6),
        ({"category": "fruit", "keyword": "사과"}, ["사과 A", "사과 B", "사과 D"], 3),
        ({"category": "fruit", "keyword": "사과", "sort": "-price", "size": 2}, ["사과 D", "사과 A"], 3),
        ({"category": "fruit", "keyword": "사과", "sort": "-price", "size": 2, "page": 1}, ["사과 B"], 3),
        ({"keyword": "사과", "sort": "new"}, ["사과 B", "사과 D", "사과 A", "사과 주스", "이어폰 사과색"], 5),
        ({"keyword": "사과", "sort": "price"}, ["사과 주스", "사과 B", "사과 A", "사과 D", "이어폰 사과색"], 5),
        ({"sort": "price", "size": 3}, ["생수", "사과 주스", "사과 B"], 11),
        ({"sort": "id", "size": 2, "page": 5}, ["생수"], 11),
        ({"category": "empty"}, [], 0),
        ({"category": "digital", "keyword": "없음"}, [], 0),
        ({"category": "fruit", "page": 9}, [], 6),
    ],
)
def test_filter_sort_page_and_keyword_together(api, shelves, params, expected, total):
    response = api.get(URL, params)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [item["name"] for item in body["items"]] == expected
    assert body["totalItems"] == total
    # the same answer again, now from the cache
    assert api.get(URL, params).json() == body


def test_the_storefront_selector_agrees_with_the_api(api, shelves):
    fruit = Category.objects.get(slug="fruit").pk
    items, total = selectors.product_list(keyword="사과", page=0, size=10, category_id=fruit, sort="price")
    assert [i["name"] for i in items] == ["사과 B", "사과 A", "사과 D"] and total == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "nope"}, "category"),
        ({"category": "Fruit"}, "category"),
        ({"category": "a" * 60}, "category"),
        ({"category": "과일"}, "category"),
        ({"sort": "name"}, "sort"),
        ({"sort": "PRICE"}, "sort"),
        ({"sort": "-new", "category": "fruit"}, "sort"),
        ({"sort": "price", "category": "nope", "keyword": "사과"}, "category"),
    ],
)
def test_unknown_slug_or_sort_is_invalid_request(api, shelves, params, field):
    for _ in range(2):  # an error is never cached as a page
        body = assert_problem(api.get(URL, params), 400, "INVALID_REQUEST")
        assert body["errors"][0]["field"] == field


def test_a_category_renamed_in_the_admin_shows_at_once(client, api, shelves, staff, django_capture_on_commit_callbacks):
    assert api.get(URL, {"category": "digital"}).json()["items"][0]["category"]["name"] == "디지털"
    staff.is_superuser = True
    staff.save(update_fields=["is_superuser"])
    client.force_login(staff)
    digital = Category.objects.get(slug="digital")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/products/category/{digital.pk}/change/", {"slug": "digital", "name": "전자기기", "order": 1}
        )
    assert response.status_code == 302
    assert api.get(URL, {"category": "digital"}).json()["items"][0]["category"]["name"] == "전자기기"
    assert api.get("/api/categories").json()["items"][0]["name"] == "전자기기"


def _plans(keyword: str, category_id: int, sort: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        items, _ = selectors.product_list(keyword=keyword, page=0, size=10, category_id=category_id, sort=sort)
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute(f"EXPLAIN {query['sql']}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


def test_a_search_in_a_category_with_a_sort_uses_the_trigram_index_on_100k_rows():
    seed_products(count=100_000)
    shelves = [Category.objects.create(slug=f"c{i}", name=f"분류 {i}", order=i) for i in range(8)]
    with connection.cursor() as cursor:  # every product on one of 8 shelves
        cursor.execute(
            f"UPDATE {Product._meta.db_table} SET category_id = %s + (id %% 8)",  # noqa: S608
            [shelves[0].pk],
        )
        cursor.execute(f"ANALYZE {Product._meta.db_table}")
    for keyword in ["기계식 키보드 000014", "한결 프리미엄 햇사과", "000123", "무선 마우스 0012"]:
        for sort in ["id", "new", "price", "-price"]:
            for plan in _plans(keyword, shelves[3].pk, sort):
                assert "product_name_upper_trgm" in plan, (keyword, sort, plan)
                assert "Seq Scan on products_product" not in plan, (keyword, sort, plan)
