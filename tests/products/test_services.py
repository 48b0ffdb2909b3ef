from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum

from products import services
from products.errors import OutOfStock, ProductNotFound
from products.models import Product, ProductSales
from products.selectors import ProductForOrder, products_for_order
from tests.support.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_products_for_order_in_one_query(django_assert_num_queries):
    a = ProductFactory(name="가", price=1000, stock=3)
    b = ProductFactory(name="나", price=2500, stock=0)
    with django_assert_num_queries(1):
        found = products_for_order(product_ids=[b.id, a.id, a.id])
    assert found == {
        a.id: ProductForOrder(id=a.id, name="가", price=1000, stock=3),
        b.id: ProductForOrder(id=b.id, name="나", price=2500, stock=0),
    }
    with pytest.raises(AttributeError):
        found[a.id].price = 1  # frozen


def test_products_for_order_unknown_or_inactive_names_the_id():
    a = ProductFactory()
    inactive = ProductFactory(active=False)
    with pytest.raises(ProductNotFound) as error:
        products_for_order(product_ids=[a.id, inactive.id])
    assert error.value.extra["productId"] == inactive.id and str(inactive.id) in error.value.detail
    assert error.value.code == "PRODUCT_NOT_FOUND" and error.value.status == 404
    with pytest.raises(ProductNotFound):
        products_for_order(product_ids=[999_999])


def test_stock_sell_and_restore():
    a, b = ProductFactory(stock=5), ProductFactory(stock=2)
    services.stock_sell(quantities={b.id: 2, a.id: 3}, sold_at=datetime.now(ZoneInfo("Asia/Seoul")))
    assert Product.objects.get(pk=a.id).stock == 2 and Product.objects.get(pk=b.id).stock == 0
    services.stock_restore(quantities={a.id: 3, b.id: 2})
    assert Product.objects.get(pk=a.id).stock == 5 and Product.objects.get(pk=b.id).stock == 2


def test_stock_sell_out_of_stock_rolls_back_with_the_caller():
    a, b = ProductFactory(stock=5), ProductFactory(stock=1)
    with pytest.raises(OutOfStock) as error, transaction.atomic():
        services.stock_sell(quantities={a.id: 2, b.id: 2}, sold_at=datetime.now(ZoneInfo("Asia/Seoul")))
    assert error.value.extra["productId"] == b.id
    assert (error.value.code, error.value.status, error.value.title) == ("OUT_OF_STOCK", 409, "재고 부족")
    assert Product.objects.get(pk=a.id).stock == 5


def sold(product, day) -> int | None:
    return ProductSales.objects.filter(product=product, day=day).aggregate(t=Sum("quantity"))["t"]


def test_stock_sell_takes_the_stock_and_counts_the_sale_in_one_statement_per_product(django_assert_num_queries):
    a, b = ProductFactory(stock=5), ProductFactory(stock=2)
    sold_at = datetime(2026, 11, 24, 23, 59, tzinfo=ZoneInfo("Asia/Seoul"))
    with django_assert_num_queries(2):
        services.stock_sell(quantities={b.id: 2, a.id: 3}, sold_at=sold_at)
    assert Product.objects.get(pk=a.id).stock == 2 and Product.objects.get(pk=b.id).stock == 0
    assert (sold(a, sold_at.date()), sold(b, sold_at.date())) == (3, 2)  # the Asia/Seoul day
    services.stock_sell(quantities={a.id: 1}, sold_at=sold_at)
    assert sold(a, sold_at.date()) == 4


def test_stock_sell_out_of_stock_counts_nothing():
    a, b = ProductFactory(stock=5), ProductFactory(stock=1)
    sold_at = datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Asia/Seoul"))
    with pytest.raises(OutOfStock) as error, transaction.atomic():
        services.stock_sell(quantities={a.id: 2, b.id: 2}, sold_at=sold_at)
    assert error.value.extra["productId"] == b.id
    assert Product.objects.get(pk=a.id).stock == 5 and Product.objects.get(pk=b.id).stock == 1
    assert not ProductSales.objects.exists()
    with pytest.raises(OutOfStock):  # on its own too: the sale is only counted when the stock was taken
        services.stock_sell(quantities={b.id: 2}, sold_at=sold_at)
    assert not ProductSales.objects.exists()


def test_stock_services_refuse_non_positive_quantities():
    a = ProductFactory(stock=5)
    for quantity in (0, -1):
        with pytest.raises(ValueError):
            services.stock_sell(quantities={a.id: quantity}, sold_at=datetime.now(ZoneInfo("Asia/Seoul")))
    assert Product.objects.get(pk=a.id).stock == 5


def test_database_checks_guard_price_and_stock():
    product = ProductFactory()
    for change in ({"stock": -1}, {"price": 0}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Product.objects.filter(pk=product.pk).update(**change)


def test_product_update_unknown_id():
    with pytest.raises(ProductNotFound):
        services.product_update(product_id=123_456, price=1)


def test_sales_revert_needs_the_recorded_day():
    product = ProductFactory()
    sold_at = datetime(2026, 11, 24, 23, 59, tzinfo=ZoneInfo("Asia/Seoul"))
    services.sales_record(quantities={product.id: 3}, sold_at=sold_at)
    services.sales_revert(quantities={product.id: 3}, sold_at=sold_at)
    assert ProductSales.objects.filter(product=product).aggregate(t=Sum("quantity"))["t"] == 0
