"""The catalog reads' statement budget, pinned: a cold read renders from the database in a fixed
number of queries whatever the page size, a warm one is answered from the cache with none."""

import pytest
import time_machine

from tests.support.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    return [ProductFactory(name=f"캠핑 상품 {i:02d}", price=1_000 + i) for i in range(30)]


@pytest.mark.parametrize(
    ("path", "params", "cold"),
    [
        ("/api/products", {"size": 100}, 2),  # COUNT + the page
        ("/api/products", {"keyword": "캠핑", "size": 100}, 1),  # a search: the page with its total
        ("/api/products/{id}", {}, 1),  # the product
    ],
)
def test_catalog_reads_cold_then_from_the_cache(api, catalog, path, params, cold, django_assert_num_queries):
    url = path.format(id=catalog[3].pk)
    with django_assert_num_queries(cold):
        first = api.get(url, params)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = api.get(url, params)
    assert second.content == first.content


def test_best_sellers_cold_then_from_the_cache(api, catalog, django_assert_num_queries):
    with time_machine.travel("2026-12-02 12:00 +09:00", tick=False):
        with django_assert_num_queries(1):  # the three days' counts with the names, one query
            first = api.get("/api/products/top")
        with django_assert_num_queries(0):
            second = api.get("/api/products/top")
    assert first.status_code == 200 and second.content == first.content
