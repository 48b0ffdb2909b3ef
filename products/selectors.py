"""Product reads. Other apps use `products_for_order`; the API and storefront use the rest."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Q, Sum, Value, Window
from django.db.models.functions import Upper
from django.utils import timezone

from core.replicas import catalog_read
from products.errors import ProductNotFound
from products.images import image_urls
from products.models import Product, ProductSales

SEOUL = ZoneInfo("Asia/Seoul")
BEST_SELLERS_DAYS = 3  # today and the two days before it (SPEC §3)
BEST_SELLERS_SIZE = 5
KEYWORD_MAX_LENGTH = 100


@dataclass(frozen=True)
class ProductForOrder:
    id: int
    name: str
    price: int
    stock: int
    sale_starts_at: datetime | None = None
    sale_ends_at: datetime | None = None
    per_customer_limit: int | None = None
    waiting_room: bool = False


# A list item's columns: the contract's four and what a drop's state is made of.
ITEM_FIELDS = (
    "id",
    "name",
    "price",
    "stock",
    "list_price",
    "sale_starts_at",
    "sale_ends_at",
    "per_customer_limit",
    "waiting_room",
    "admit_per_second",
)


def seoul_day(moment: datetime | None = None) -> date:
    return timezone.localtime(moment or timezone.now(), SEOUL).date()


def _active():
    return Product.objects.filter(active=True)


def _matching(keyword: str | None, category_id: int | None = None):
    # Case-insensitive substring, with PostgreSQL's UPPER() on both sides (as `icontains` would
    # do) but against the stored UPPER(name) column; Django escapes % and _ in the keyword.
    queryset = _active()
    if category_id is not None:
        queryset = queryset.filter(category_id=category_id)
    return queryset.filter(name_upper__contains=Upper(Value(keyword))) if keyword else queryset


def matching_products(*, keyword: str | None):
    """The active products a keyword matches, as a queryset (the storefront counts them by category)."""
    return _matching(keyword)


@catalog_read
def product_count(*, keyword: str | None, category_id: int | None = None) -> int:
    """How many active products match `keyword` (all of them without one), in the category if given."""
    return _matching(keyword, category_id).count()


# sort key (products.categories.SORTS) → columns; ties by id ascending.
_ORDERS = {"id": ("id",), "new": ("-created_at", "id"), "price": ("price", "id"), "-price": ("-price", "id")}


def _unindexable(column: str):
    """The column as an expression no index provides (`id + 0`, `created_at + interval '0'`)."""
    name = column.lstrip("-")
    expression: Any
    if name == "created_at":
        expression = ExpressionWrapper(F(name) + Value(timedelta(0)), output_field=DateTimeField())
    else:
        expression = F(name) + 0
    return expression.desc() if column.startswith("-") else expression.asc()


def _in_page_order(queryset, keyword: str | None, sort: str = "id"):
    """In the sort's order. For a keyword, as expressions no index can provide: otherwise the
    planner may walk the id (or price) index filtering every row until it finds a page of matches,
    which costs a full scan when its estimate of the matches is off. Through the trigram index the
    page costs at most what the COUNT over the same matches does."""
    columns = _ORDERS[sort]
    if keyword:
        return queryset.order_by(*map(_unindexable, columns))
    return queryset.order_by(*(F(c[1:]).desc() if c.startswith("-") else F(c).asc() for c in columns))


# What a list item is read from: the API's fields plus the picture's and category's columns.
_ITEM_COLUMNS = (*ITEM_FIELDS, "image", "thumbnail", "category__slug", "category__name")


def _item(row: dict) -> dict:
    """A list row: ITEM_FIELDS (what `products.api.drops.item_data` and the drop templates read)
    plus the product object's `imageUrl`, `thumbnailUrl` and `category`."""
    slug = row["category__slug"]
    return {
        **{key: row[key] for key in ITEM_FIELDS},
        **image_urls(row["image"], row["thumbnail"]),
        "category": {"slug": slug, "name": row["category__name"]} if slug is not None else None,
    }


@catalog_read
def product_page(
    *, keyword: str | None, page: int, size: int, category_id: int | None = None, sort: str = "id"
) -> list[dict]:
    """One page of active products (list items, `_item`), in `sort` order (products.categories.SORTS,
    default id ascending), in the category if given. `keyword` is a case-insensitive substring of
    the name (served by the trigram index on UPPER(name); Django escapes % and _)."""
    offset = page * size
    ordered = _in_page_order(_matching(keyword, category_id), keyword, sort)
    return [_item(row) for row in ordered.values(*_ITEM_COLUMNS)[offset : offset + size]]


@catalog_read
def product_search(
    *, keyword: str, page: int, size: int, category_id: int | None = None, sort: str = "id"
) -> tuple[list[dict], int]:
    """`product_page` and `product_count` for a keyword in ONE query (`COUNT(*) OVER ()`): both
    need the same trigram-index scan of every match, the costly part of a search, so a search not
    in the cache pays it once instead of twice (docs/benchmarks.md #20)."""
    offset = page * size
    counted = _matching(keyword, category_id).annotate(total=Window(Count("*")))
    rows = list(_in_page_order(counted, keyword, sort).values(*_ITEM_COLUMNS, "total")[offset : offset + size])
    if not rows:  # past the end (or nothing matches): the window had no row to report on
        return [], product_count(keyword=keyword, category_id=category_id)
    total = rows[0]["total"]
    return [_item(row) for row in rows], total


def product_list(
    *, keyword: str | None, page: int, size: int, category_id: int | None = None, sort: str = "id"
) -> tuple[list[dict], int]:
    """A page and the total: `product_search` for a keyword, else `product_count` and
    `product_page` (no page query past the end)."""
    if keyword:
        return product_search(keyword=keyword, page=page, size=size, category_id=category_id, sort=sort)
    total = product_count(keyword=keyword, category_id=category_id)
    if page * size >= total:
        return [], total
    return product_page(keyword=keyword, page=page, size=size, category_id=category_id, sort=sort), total


@catalog_read
def drops_open(*, at: datetime | None = None) -> list[dict]:
    """Active drops (a window set) that have not ended at `at` (now): upcoming, on sale or sold out,
    by start then id (a drop without a start first: on sale since it was created)."""
    now = at or timezone.now()
    rows = (
        _active()
        .filter(Q(sale_starts_at__isnull=False) | Q(sale_ends_at__isnull=False))
        .filter(Q(sale_ends_at__isnull=True) | Q(sale_ends_at__gt=now))
        .order_by(F("sale_starts_at").asc(nulls_first=True), "id")
        .values(*_ITEM_COLUMNS)
    )
    return [_item(row) for row in rows]


def units_sold(*, product_ids) -> dict[int, int]:
    """Net units sold of each product over all days (paid minus cancelled), from the best-seller
    counters: with the stock it gives a drop's allotment, for its progress bar. One query."""
    rows = (
        ProductSales.objects.filter(product_id__in=list(product_ids))
        .values("product_id")
        .annotate(sold=Sum("quantity"))
        .values_list("product_id", "sold")
    )
    return {product_id: max(int(sold or 0), 0) for product_id, sold in rows}


@catalog_read
def product_get(*, product_id: int) -> Product:
    """An active product; PRODUCT_NOT_FOUND otherwise."""
    product = _active().select_related("category").filter(pk=product_id).first()
    if product is None:
        raise ProductNotFound(f"상품 {product_id}을(를) 찾을 수 없습니다.", product_id=product_id)
    return product


def product_pictures(*, product_ids: Iterable[int]) -> dict[int, dict]:
    """`{id: {imageUrl, thumbnailUrl}}` of these products, in one query (the home's best sellers)."""
    rows = Product.objects.filter(pk__in=list(product_ids)).values_list("id", "image", "thumbnail")
    return {pid: image_urls(image, thumbnail) for pid, image, thumbnail in rows}


def products_for_order(*, product_ids: Iterable[int]) -> dict[int, ProductForOrder]:
    """Active products by id for pricing an order, in one query and without locks (stock is
    re-checked by `stock_sell`). PRODUCT_NOT_FOUND names the first missing or inactive id."""
    wanted = sorted(set(product_ids))
    # Plain SQL: the purchase path does not build this query per call (docs/benchmarks.md #12).
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, name, price, stock, sale_starts_at, sale_ends_at, per_customer_limit, waiting_room "  # noqa: S608
            f"FROM {Product._meta.db_table} WHERE active AND id = ANY(%s)",
            [wanted],
        )
        found = {row[0]: ProductForOrder(*row) for row in cursor.fetchall()}
    for product_id in wanted:
        if product_id not in found:
            raise ProductNotFound(f"상품 {product_id}을(를) 찾을 수 없습니다.", product_id=product_id)
    return found


@catalog_read
def best_sellers(*, today: date | None = None) -> dict:
    """Top 5 active products by quantity sold over today and the two days before (Asia/Seoul),
    cancelled sales excluded (reverted in the same day's counters); ties by lower product id.
    `{from, to, items: [{rank, productId, name, price, soldQuantity}]}` with ISO dates."""
    to_day = today or seoul_day()
    from_day = to_day - timedelta(days=BEST_SELLERS_DAYS - 1)
    rows = (
        ProductSales.objects.filter(day__gte=from_day, day__lte=to_day, product__active=True)
        .values("product_id", "product__name", "product__price")
        .annotate(sold=Sum("quantity"))
        .filter(sold__gt=0)
        .order_by("-sold", "product_id")[:BEST_SELLERS_SIZE]
    )
    return {
        "from": from_day.isoformat(),
        "to": to_day.isoformat(),
        "items": [
            {
                "rank": rank,
                "productId": row["product_id"],
                "name": row["product__name"],
                "price": row["product__price"],
                "soldQuantity": row["sold"],
            }
            for rank, row in enumerate(rows, start=1)
        ],
    }
