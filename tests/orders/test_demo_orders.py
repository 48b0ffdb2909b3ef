"""The demo loader on a fresh database: pictures and categories for every demo product, a few days
of orders through the order service (best sellers and the admin's charts have data), and nothing
added the second time."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone
from PIL import Image

from balances.models import LedgerEntry
from orders.demo import BUYERS, DAYS, ORDERS
from orders.models import Order, OrderLine
from products.best_sellers import best_sellers_data
from products.demo import demo_products
from products.models import Category, Product

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_demo_loader_makes_pictures_categories_and_orders_once(media):
    started = timezone.now()
    call_command("load_demo", "--any-database")
    stock_before = dict(Product.objects.values_list("pk", "stock"))
    call_command("load_demo_orders")
    # the catalog's demo products (the demo timed drops, products.demo_drops, are beside them)
    products = Product.objects.filter(name__in=[p["name"] for p in demo_products()])
    assert products.count() == len(demo_products())
    total_products = Product.objects.count()
    assert not products.filter(category__isnull=True).exists() and Category.objects.count() == 6
    assert not products.filter(image="").exists() and not products.filter(thumbnail="").exists()
    sample = products.first()
    assert Image.open(media / sample.thumbnail).size == (400, 400)
    assert Image.open(media / sample.image).format == "WEBP"

    orders = Order.objects.filter(user__username__in=BUYERS)
    placed = orders.count()
    assert ORDERS * 0.8 <= placed <= ORDERS  # a sold-out product skips an order, nothing else
    first = orders.order_by("created_at").first().created_at
    assert started - timedelta(days=DAYS) <= first < started - timedelta(days=1)  # a few days back
    assert orders.filter(created_at__gte=started - timedelta(hours=24)).count() >= placed // 2
    assert orders.filter(status=Order.Status.CANCELLED).exists()
    assert len(best_sellers_data()["items"]) == 5
    # through the order service: stock went down by what the paid orders hold, balances by the payments
    sold = dict(
        OrderLine.objects.filter(order__status=Order.Status.PAID)
        .values_list("product_id")
        .annotate(q=Sum("quantity"))
        .values_list("product_id", "q")
    )
    for pid, stock in Product.objects.values_list("pk", "stock"):
        assert stock == stock_before[pid] - sold.get(pid, 0)
    paid = orders.filter(status=Order.Status.PAID).aggregate(s=Sum("paid_amount"))["s"]
    payments = LedgerEntry.objects.filter(user__username__in=BUYERS).aggregate(s=Sum("amount"))["s"]
    charged = LedgerEntry.objects.filter(user__username__in=BUYERS, type="CHARGE").aggregate(s=Sum("amount"))["s"]
    assert charged - payments == paid

    files = sorted(p.name for p in media.rglob("*.webp"))
    call_command("load_demo", "--any-database")
    call_command("load_demo_orders")
    assert Order.objects.filter(user__username__in=BUYERS).count() == placed
    assert Product.objects.count() == total_products
    assert sorted(p.name for p in media.rglob("*.webp")) == files
