"""The keyword search must use the trigram index on UPPER(name), not scan 100,000 rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from products import selectors
from products.models import Product
from products.seed import seed_products

pytestmark = pytest.mark.django_db


def plans_of_the_search(keyword: str) -> list[str]:
    """EXPLAIN of exactly the SQL the list selector runs (the COUNT and the page)."""
    with CaptureQueriesContext(connection) as captured:
        selectors.product_list(keyword=keyword, page=0, size=10)
    assert len(captured.captured_queries) == 2
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
            assert "Seq Scan" not in plan, (keyword, plan)
    items, total = selectors.product_list(keyword="기계식 키보드 000014", page=0, size=10)
    assert total == 1 and items[0]["name"] == "한결 가성비 기계식 키보드 000014"
    assert selectors.product_list(keyword="10000MAH 000013", page=0, size=10)[1] == 1
