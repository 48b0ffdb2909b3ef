"""The sold-out mark: the losers of a sold-out drop answered from Redis, not PostgreSQL.

Once an order's products read shows a product sold out (stock 0, no waiting room), `note` writes
what the next losers' answers depend on into one Redis hash, `product:{id}:sold_out`: the window,
the per-customer limit, the catalog version (products.cache) seen before that read and, for a
limited product, each customer's units held in PAID orders, read right after the stock showed 0
(every order that took a unit had committed by then). For SOLD_OUT_MARK_MS (default 1,000), while
the catalog version is unchanged, `look` answers a one-line order of that product without a coupon
or a chosen address from the mark, in one round trip and in the contract's precedence (only for a
product this process has seen sold out, so orders for products in stock never wait on it):
PURCHASE_LIMIT_EXCEEDED when the customer's units plus this order's pass the limit, else
OUT_OF_STOCK. Outside the window it leaves the order to the database (SALE_NOT_STARTED, SALE_ENDED).

Why this is safe: the mark only ever refuses, and only what PostgreSQL said less than the mark's
life ago; every acceptance is decided by the database as before. A cancel deletes its products'
marks when it commits, and any catalog edit (a staff restock, 지금 종료, deactivation) bumps the
version, so either is for sale again at once; only a write past the services (SQL by hand) waits
for the mark to expire. Without Redis there is no mark and the database answers (it fails open).
Why at all: issue 18's target, a lost drop order no dearer than a coupon issue
(docs/benchmarks.md, "Losing a drop").
"""

import contextlib
import logging
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from core.epoch import window, window_open
from orders.limits import limit_refusal, units_by_customer
from products.cache import current_version, version_redis_key
from products.errors import OutOfStock
from products.selectors import ProductForOrder

logger = logging.getLogger(__name__)

# A limited product with more holders than this is not marked: its mark would be a large write.
MAX_HOLDERS = 10_000

# The products this process's last read showed sold out: only their orders look for a mark, so an
# order for a product in stock pays no round trip for it. A hint, never an answer: missing or stale,
# it only decides whether Redis is asked before the database, which answers either way.
seen_sold_out: set[int] = set()
MAX_SEEN = 10_000


def _key(product_id: int) -> str:
    return f"product:{product_id}:sold_out"


def look(*, user_id: int, product_id: int, quantity: int, at: datetime) -> int | None:
    """Raises the refusal the mark decides for a one-line order (the caller keeps it to orders
    without a coupon or a chosen address, whose own refusals come first); else returns the catalog
    version now, for `note`, or None when Redis cannot say or the product is not in `seen_sold_out`."""
    if product_id not in seen_sold_out:
        return None
    pipe = get_redis_connection("default").pipeline(transaction=False)
    pipe.get(version_redis_key())
    pipe.hmget(_key(product_id), "v", "w", "l", f"u:{user_id}")
    try:
        raw_version, (marked_under, window, limit, held) = pipe.execute()
    except RedisError:
        return None
    version = current_version() if raw_version is None else int(raw_version)  # None: lost, created again
    if version is None:
        return None
    if marked_under is not None and int(marked_under) == version and window_open(window, at):
        if limit and int(held or 0) + quantity > int(limit):
            raise limit_refusal(product_id, int(limit))
        raise OutOfStock(f"상품 {product_id}의 재고가 부족합니다.", product_id=product_id)
    return version


def note(products: Iterable[ProductForOrder], *, catalog_version: int | None) -> None:
    """After an order's products read: remembers which of them were sold out in this process, and
    marks those under `catalog_version`, the one `look` returned before that read (none without it)."""
    for product in products:
        if product.stock > 0:
            seen_sold_out.discard(product.id)
            continue
        if len(seen_sold_out) >= MAX_SEEN:
            seen_sold_out.clear()
        seen_sold_out.add(product.id)
        if catalog_version is not None and not product.waiting_room:
            _mark(product, version=catalog_version)


def _mark(product: ProductForOrder, *, version: int) -> None:
    """A product with a waiting room is never marked: its ticket check comes before the limit and
    the stock."""
    fields = {"v": str(version), "w": window(product.sale_starts_at, product.sale_ends_at), "l": ""}
    if product.per_customer_limit is not None:
        holders = units_by_customer(product_id=product.id, at_most=MAX_HOLDERS)
        if holders is None:
            return
        fields["l"] = str(product.per_customer_limit)
        fields.update({f"u:{user_id}": str(units) for user_id, units in holders.items()})
    try:
        pipe = get_redis_connection("default").pipeline(transaction=True)
        pipe.delete(_key(product.id))
        pipe.hset(_key(product.id), mapping=fields)
        pipe.pexpire(_key(product.id), settings.SOLD_OUT_MARK_MS)
        pipe.execute()
    except RedisError:
        logger.warning("sold-out mark of product %s not written: Redis unavailable", product.id)


def forget_on_commit(product_ids: Iterable[int]) -> None:
    """Deletes the products' marks when the current transaction commits (stock came back)."""
    keys = [_key(product_id) for product_id in product_ids]

    def forget() -> None:
        with contextlib.suppress(RedisError):  # no Redis, no mark to forget; it expires anyway
            get_redis_connection("default").delete(*keys)

    transaction.on_commit(forget)
