"""`shop_waiting_room_waiting{product_id}`, read at scrape time (core.metrics)."""

from core import metrics
from products.models import Product
from waiting_room import line


def _waiting() -> dict[tuple[str, ...], float]:
    rooms = Product.objects.filter(active=True, waiting_room=True).values_list("pk", flat=True)
    return {(str(pk),): line.line_counts(product_id=pk)["waiting"] for pk in rooms}


def register() -> None:
    metrics.register_gauge("shop_waiting_room_waiting", "Shoppers waiting in a drop's line", ["product_id"], _waiting)
