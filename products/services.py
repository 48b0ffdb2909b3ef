"""Product writes.

Catalog edits (`product_create`, `product_update`, `products_set_active`) open their own short
transaction and bump the product cache version after commit.

The order-path services (`stock_sell`, `stock_restore`, `sales_record`, `sales_revert`) run
INSIDE the caller's transaction (no savepoints, no durable block of their own) and never bump the
cache: list pages may show stock up to 10 s stale, an order always checks the live row. They touch
products in ascending id, step 3 of the lock order (written in `orders.services.order_place`).
"""

import random
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from products import cache
from products.drops import DROP_FIELDS, ensure_drop_rules, window_refusal
from products.errors import OutOfStock, ProductNotFound
from products.models import Product, ProductSales
from products.selectors import seoul_day

SALES_SHARDS = 16
EDITABLE_FIELDS = ("name", "description", "price", "stock", "active", *DROP_FIELDS)


def product_create(
    *,
    name: str,
    price: int,
    stock: int,
    description: str = "",
    active: bool = True,
    list_price: int | None = None,
    sale_starts_at: datetime | None = None,
    sale_ends_at: datetime | None = None,
    per_customer_limit: int | None = None,
    waiting_room: bool = False,
    admit_per_second: int | None = None,
) -> Product:
    """Creates a product (validated by the caller; the database CHECKs price > 0, stock ≥ 0). The
    rules of a drop are checked here (INVALID_REQUEST with errors[]), for the API and admin alike."""
    drop = {
        "list_price": list_price,
        "sale_starts_at": sale_starts_at,
        "sale_ends_at": sale_ends_at,
        "per_customer_limit": per_customer_limit,
        "waiting_room": waiting_room,
        "admit_per_second": admit_per_second,
    }
    ensure_drop_rules({"price": price, **drop})
    with transaction.atomic():
        product = Product.objects.create(
            name=name, description=description, price=price, stock=stock, active=active, **drop
        )
        cache.bump_version_on_commit()
    return product


def product_update(*, product_id: int, **fields) -> Product:
    """Sets any of name, description, price, stock, active and the drop fields in one UPDATE;
    PRODUCT_NOT_FOUND for an unknown id (inactive products stay editable: staff re-activate them
    this way). The drop rules are checked on the product as it would be (INVALID_REQUEST)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        if {"price", *DROP_FIELDS} & set(fields):
            # The rules relate fields (정가 ≥ price, end after start): check them against the row
            # as it will be, locked so a concurrent edit of the other field cannot slip between.
            current = Product.objects.select_for_update().filter(pk=product_id).values("price", *DROP_FIELDS).first()
            if current is None:
                raise ProductNotFound(f"상품 {product_id}을(를) 찾을 수 없습니다.", product_id=product_id)
            ensure_drop_rules({**current, **fields})
        if fields:
            updated = Product.objects.filter(pk=product_id).update(**fields, updated_at=timezone.now())
        else:
            updated = Product.objects.filter(pk=product_id).count()
        if updated == 0:
            raise ProductNotFound(f"상품 {product_id}을(를) 찾을 수 없습니다.", product_id=product_id)
        cache.bump_version_on_commit()
        return Product.objects.get(pk=product_id)


def drop_end_now(*, product_ids) -> int:
    """Ends the selected live or upcoming drops now (admin "지금 종료"): their window closes at this
    second, so orders are refused with SALE_ENDED from here on (the stock UPDATE checks the window
    under the product's lock). Products without a window, or already ended, are left alone.
    Returns how many were ended."""
    with transaction.atomic():
        now = timezone.now()
        open_now = Q(sale_ends_at__isnull=True) | Q(sale_ends_at__gt=now)
        drops = Product.objects.filter(Q(sale_starts_at__isnull=False) | Q(sale_ends_at__isnull=False))
        # Locked in ascending id first, as orders lock products, so a bulk edit and a
        # multi-product order never wait on each other in a cycle.
        ids = list(
            drops.filter(open_now, pk__in=list(product_ids))
            .order_by("pk")
            .select_for_update()
            .values_list("pk", flat=True)
        )
        selected = Product.objects.filter(pk__in=ids)
        # An upcoming drop ended now would have its end before its start: its start moves to now too.
        selected.filter(sale_starts_at__gt=now).update(sale_starts_at=now - timedelta(microseconds=1))
        changed = selected.update(sale_ends_at=now, updated_at=now)
        cache.bump_version_on_commit()
    return changed


def products_set_active(*, product_ids, active: bool) -> int:
    """Activates or deactivates products in bulk (admin actions); returns how many changed."""
    with transaction.atomic():
        changed = (
            Product.objects.filter(pk__in=list(product_ids))
            .exclude(active=active)
            .update(active=active, updated_at=timezone.now())
        )
        cache.bump_version_on_commit()
    return changed


def _ascending(quantities: dict[int, int]) -> list[tuple[int, int]]:
    for product_id, quantity in quantities.items():
        if quantity <= 0:
            raise ValueError(f"quantity for product {product_id} must be positive, got {quantity}")
    return sorted(quantities.items())


# The hottest statement of a flash sale, in plain SQL: the same conditional UPDATE the ORM would
# write (`filter(stock__gte=q).update(stock=F("stock") - q)`), without building it per call
# (docs/benchmarks.md #12). Only our table names are formatted in. The window is part of the
# condition: a drop's row decides, under its lock, that it is open at the order's time, so a staff
# edit of the window (지금 종료) committed just before is obeyed.
_TAKE_STOCK = (
    f"UPDATE {Product._meta.db_table} SET stock = stock - %s WHERE id = %s AND stock >= %s"  # noqa: S608
    " AND (sale_starts_at IS NULL OR sale_starts_at <= %s) AND (sale_ends_at IS NULL OR sale_ends_at > %s)"
)
_ADD_SALES = (
    f"INSERT INTO {ProductSales._meta.db_table} (product_id, day, shard, quantity) {{rows}} "  # noqa: S608
    f"ON CONFLICT (day, product_id, shard) DO UPDATE SET quantity = "
    f"{ProductSales._meta.db_table}.quantity + EXCLUDED.quantity"
)
# Params: quantity, product id, quantity, time, time, day, shard, quantity.
_SELL = f"WITH taken AS ({_TAKE_STOCK} RETURNING id) " + _ADD_SALES.format(rows="SELECT id, %s, %s, %s FROM taken")  # noqa: S608


def stock_sell(*, quantities: dict[int, int], sold_at: datetime) -> None:
    """Takes `quantities[product_id]` units of each product's stock for a paid order and counts them
    towards the best sellers of `sold_at`'s Asia/Seoul day: per product (ascending id) one statement,
    the conditional atomic UPDATE (`stock >= q`) and, only if it took the stock, the sales upsert;
    its row count is checked. The first product without enough stock raises OUT_OF_STOCK (naming
    it), or SALE_NOT_STARTED / SALE_ENDED if its window is closed at `sold_at`; the caller's
    transaction then rolls the earlier ones back. Never lets stock go negative.
    Step 3 of the lock order (`orders.services.order_place`). One statement rather than the UPDATE
    and `sales_record` apart, to save the purchase a round trip per product (docs/benchmarks.md
    #25); the sales shard's row is then locked only from the order's last statement to its commit."""
    day = seoul_day(sold_at)
    with connection.cursor() as cursor:
        for product_id, quantity in _ascending(quantities):
            cursor.execute(
                _SELL,
                [quantity, product_id, quantity, sold_at, sold_at, day, random.randrange(SALES_SHARDS), quantity],
            )
            if cursor.rowcount != 1:
                raise _why_not_sold(product_id, sold_at)


def _why_not_sold(product_id: int, at: datetime) -> Exception:
    # Only after the UPDATE took nothing: its window closed (a staff edit) or its stock ran out.
    window = Product.objects.filter(pk=product_id).values_list("sale_starts_at", "sale_ends_at").first()
    starts_at, ends_at = window or (None, None)
    refusal = window_refusal(product_id=product_id, starts_at=starts_at, ends_at=ends_at, at=at)
    return refusal or OutOfStock(f"상품 {product_id}의 재고가 부족합니다.", product_id=product_id)


def stock_restore(*, quantities: dict[int, int]) -> None:
    """Gives units back (order cancellation), products in ascending id: step 3 of the lock order
    (`orders.services.order_place`). Inactive products too."""
    for product_id, quantity in _ascending(quantities):
        updated = Product.objects.filter(pk=product_id).update(stock=F("stock") + quantity)
        if updated != 1:
            raise ProductNotFound(f"상품 {product_id}을(를) 찾을 수 없습니다.", product_id=product_id)


def _sales_add(quantities: dict[int, int], sold_at: datetime, sign: int) -> None:
    # Append to a random shard of the product's (day, shard) counter with one upsert: concurrent
    # buyers of the same product mostly hit different rows, so nobody queues behind one hot row
    # while holding their other locks (see ProductSales). Ascending id, after the product rows (step 3).
    rows = _ascending(quantities)
    day = seoul_day(sold_at)
    params: list = []
    for product_id, quantity in rows:
        params += [product_id, day, random.randrange(SALES_SHARDS), sign * quantity]
    with connection.cursor() as cursor:
        cursor.execute(_ADD_SALES.format(rows="VALUES " + ", ".join(["(%s, %s, %s, %s)"] * len(rows))), params)


def sales_record(*, quantities: dict[int, int], sold_at: datetime) -> None:
    """Counts a paid order's quantities towards the best sellers of `sold_at`'s Asia/Seoul day."""
    if quantities:
        _sales_add(quantities, sold_at, +1)


def sales_revert(*, quantities: dict[int, int], sold_at: datetime) -> None:
    """Takes a cancelled order's quantities back off the SAME Asia/Seoul day they were recorded on
    (`sold_at` is the order's creation time), so cancelled orders never count."""
    if quantities:
        _sales_add(quantities, sold_at, -1)
