from django.db.models import Prefetch

from core.pages import PageParams
from core.replicas import history_read
from orders.errors import OrderNotFound
from orders.models import Order, OrderLine

_LINES = Prefetch("lines", queryset=OrderLine.objects.order_by("product_id"), to_attr="line_list")


def order_owner_id(*, order_id: int, actor) -> int:
    """The order's owner id if `actor` may see the order (its owner or staff); otherwise
    ORDER_NOT_FOUND, the same answer as for an id that does not exist, so nothing is revealed."""
    owner_id = Order.objects.filter(pk=order_id).values_list("user_id", flat=True).first()
    if owner_id is None or not (actor.is_staff or actor.pk == owner_id):
        raise OrderNotFound()
    return owner_id


def order_detail(*, order_id: int) -> Order:
    return Order.objects.prefetch_related(_LINES).get(pk=order_id)


def order_visible(*, order_id: int, actor) -> Order:
    order = Order.objects.prefetch_related(_LINES).filter(pk=order_id).first()
    if order is None or not (actor.is_staff or actor.pk == order.user_id):
        raise OrderNotFound()
    return order


@history_read
def order_page(*, user_id: int, params: PageParams) -> tuple[list[Order], int]:
    """A user's orders, newest first, each with its lines (two queries plus the count)."""
    orders = Order.objects.filter(user_id=user_id)
    total = orders.count()
    items = list(orders.order_by("-id").prefetch_related(_LINES)[params.offset : params.offset + params.size])
    return items, total
