"""`{% load drops %}`: a product's drop state on cards and pages (`{% sale_state product %}`), and
the home page's featured drops (`{% drops_featured %}`), for pages of any app."""

from django import template
from django.utils import timezone

from products.drops import SaleStatus, sale_status
from products.selectors import drops_open

register = template.Library()


def _get(product, name):
    return product.get(name) if isinstance(product, dict) else getattr(product, name, None)


def drop_state(product, *, now=None) -> dict:
    """What a card or page shows of a product's sale: its status, the discount against 정가, the
    limit, and the moment a countdown counts to (the start of an upcoming drop, the end of a live one)."""
    now = now or timezone.now()
    starts, ends, stock = _get(product, "sale_starts_at"), _get(product, "sale_ends_at"), _get(product, "stock")
    status = sale_status(starts_at=starts, ends_at=ends, stock=stock, at=now)
    price, list_price = _get(product, "price"), _get(product, "list_price")
    discount = (list_price - price) * 100 // list_price if list_price and list_price > price else None
    return {
        "status": status.value,
        "is_drop": starts is not None or ends is not None,
        "upcoming": status == SaleStatus.UPCOMING,
        "buyable": status == SaleStatus.ON_SALE,
        "starts_at": starts,
        "ends_at": ends,
        "countdown_to": starts if status == SaleStatus.UPCOMING else (ends if status == SaleStatus.ON_SALE else None),
        "list_price": list_price if discount is not None else None,
        "discount_percent": discount,
        "limit": _get(product, "per_customer_limit"),
    }


@register.inclusion_tag("products/_sale_state.html")
def sale_state(product):
    return {"product": product, "state": drop_state(product)}


@register.simple_tag
def sale_state_of(product) -> dict:
    """`{% sale_state_of product as state %}` for a page that lays the state out itself."""
    return drop_state(product)


@register.inclusion_tag("products/_drops_featured.html")
def drops_featured():
    """The live drop and the next one (SPEC §11's home page)."""
    now = timezone.now()
    rows = drops_open(at=now)
    states = [(row, drop_state(row, now=now)) for row in rows]
    live = next(((row, state) for row, state in states if state["buyable"]), None)
    upcoming = next(((row, state) for row, state in states if state["upcoming"]), None)
    return {"featured": [entry for entry in (live, upcoming) if entry], "server_now": now}


@register.filter
def epoch_ms(moment) -> int | str:
    """A time as milliseconds since the epoch, for static/js/drops.js; "" for none."""
    return "" if moment is None else int(moment.timestamp() * 1000)
