"""The keyword search must use the trigram index on UPPER(name), not scan 100,000 rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from products import selectors
from products.models import Product
from products.seed import seed_products
from tests.support.factories import ProductFactory

pytestmark = pytest.mark.django_db


def plans_of_the_search(keyword: str) -> list[str]:
    """EXPLAIN of exactly the SQL the list selector runs (the page with its window COUNT, and a
    plain COUNT only when the page is empty)."""
    with CaptureQueriesContext(connection) as captured:
        items, _ = selectors.product_list(keyword=keyword, page=0, size=10)
    assert len(captured.captured_queries) == (1 if items else 2)
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute(f"EXPLAIN {query['sql']}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


def test_keyword_search_uses_the_trigram_index_on_100k_rows():
    seed_products(count=100_000)
    assert Product.objects.count() == 100_000
    # Korean, mixed case, digits; from one match to a few hundred.
    for keyword in ["기계식 키보드 000014", "한결 프리미엄 햇사과", "10000mAh 000013", "000123", "무선 마우스 0012"]:
        for plan in plans_of_the_search(keyword):
            assert "product_name_upper_trgm" in plan, (keyword, plan)
            # (the categories' few rows are joined for the list items; scanning those is fine)
            assert "Seq Scan on products_product" not in plan, (keyword, plan)
    items, total = selectors.product_list(keyword="기계식 키보드 000014", page=0, size=10)
    assert total == 1 and items[0]["name"] == "한결 가성비 기계식 키보드 000014"
    assert selectors.product_list(keyword="10000MAH 000013", page=0, size=10)[1] == 1


@pytest.mark.parametrize(("page", "size"), [(0, 10), (1, 3), (4, 5), (50, 10)])
def test_one_query_search_agrees_with_the_separate_count_and_page(page, size):
    for i in range(23):
        ProductFactory(name=f"사과 {i:02d}", active=i % 5 != 0)
    ProductFactory(name="배")
    items, total = selectors.product_search(keyword="사과", page=page, size=size)
    assert total == selectors.product_count(keyword="사과") == 18
    assert items == selectors.product_page(keyword="사과", page=page, size=size)
