"""Real threads on the real database: the order-path services under contention."""

from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import Sum

from products import services
from products.errors import OutOfStock
from products.models import Product, ProductSales
from tests.support.concurrency import run_concurrently
from tests.support.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_fifty_buyers_of_twenty_units_exactly_twenty_succeed():
    product = ProductFactory(stock=20)

    def buy(_):
        with transaction.atomic():
            services.stock_sell(quantities={product.id: 1}, sold_at=datetime.now(ZoneInfo("Asia/Seoul")))
        return "ok"

    outcomes = run_concurrently([partial(buy, i) for i in range(50)])
    assert outcomes.count("ok") == 20
    failures = [o for o in outcomes if o != "ok"]
    assert len(failures) == 30 and all(isinstance(o, OutOfStock) for o in failures)
    assert all(f.extra["productId"] == product.id for f in failures)
    product.refresh_from_db()
    assert product.stock == 0


def test_multi_product_orders_roll_back_as_a_whole_and_never_deadlock():
    a, b = ProductFactory(stock=10), ProductFactory(stock=5)

    def buy(index):
        # half the buyers list the products in the opposite order: the service sorts them
        quantities = {a.id: 1, b.id: 1} if index % 2 else {b.id: 1, a.id: 1}
        with transaction.atomic():
            services.stock_sell(quantities=quantities, sold_at=datetime.now(ZoneInfo("Asia/Seoul")))
        return "ok"

    outcomes = run_concurrently([partial(buy, i) for i in range(16)])
    assert outcomes.count("ok") == 5
    assert all(o == "ok" or isinstance(o, OutOfStock) for o in outcomes)  # no deadlock errors
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.stock, b.stock) == (5, 0)  # the failed orders' decrements of `a` were rolled back


def test_concurrent_sales_records_on_one_product_sum_exactly():
    product = ProductFactory()
    other = ProductFactory()
    sold_at = datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Asia/Seoul"))

    def record(index):
        with transaction.atomic():
            services.sales_record(quantities={product.id: index + 1, other.id: 1}, sold_at=sold_at)
        return "ok"

    outcomes = run_concurrently([partial(record, i) for i in range(40)])
    assert outcomes == ["ok"] * 40
    rows = ProductSales.objects.filter(product=product)
    assert rows.aggregate(total=Sum("quantity"))["total"] == sum(range(1, 41))
    assert 1 < rows.count() <= services.SALES_SHARDS  # spread over shards, not one hot row
    assert {row.day.isoformat() for row in rows} == {"2026-11-25"}
    assert ProductSales.objects.filter(product=other).aggregate(t=Sum("quantity"))["t"] == 40
    assert Product.objects.get(pk=product.pk).stock == 100  # sales counters never touch stock
