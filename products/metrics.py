"""The timed drops' gauge for /metrics (core/metrics.py), read at scrape time: units left of each
live drop (its window open now), `shop_drop_remaining{product_id}`."""

from django.db.models import Q
from django.utils import timezone

from core import metrics
from products.models import Product


def drops_remaining() -> dict[tuple[str, ...], float]:
    now = timezone.now()
    live = Product.objects.filter(
        Q(sale_starts_at__isnull=False) | Q(sale_ends_at__isnull=False),
        Q(sale_starts_at__isnull=True) | Q(sale_starts_at__lte=now),
        Q(sale_ends_at__isnull=True) | Q(sale_ends_at__gt=now),
        active=True,
    )
    return {(str(pid),): stock for pid, stock in live.values_list("id", "stock")}


def register() -> None:
    metrics.register_gauge("shop_drop_remaining", "Units left of each live timed drop", ["product_id"], drops_remaining)
