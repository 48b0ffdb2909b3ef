"""Product reads. Other apps use `products_for_order`; the API and storefront use the rest."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, F, Q, Sum, Value, Window
from django.db.models.functions import Upper
from django.utils import timezone

from core.replicas import catalog_read
from products.errors import ProductNotFound
from products.models import Product, ProductSales

SEOUL = ZoneInfo("Asia/Seoul")
TOP_DAYS = 3  # today and the two days before it (SPEC §3)
TOP_SIZE = 5
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


# A list item's columns: the contract's four and what a drop's state is made of.
ITEM_FIELDS = ("id", "name", "price", "stock", "list_price", "sale_starts_at", "sale_ends_at", "per_customer_limit")


def seoul_day(moment: datetime | None = None) -> date:
    return timezone.localtime(moment or timezone.now(), SEOUL).date()


def _active():
    return Product.objects.filter(active=True)


def _matching(keyword: str | None):
    # Case-insensitive substring, with PostgreSQL's UPPER() on both sides (as `icontains` would
    # do) but against the stored UPPER(name) column; Django escapes % and _ in the keyword.
    queryset = _active()
    return queryset.filter(name_upper__contains=Upper(Value(keyword))) if keyword else queryset


@catalog_read
def product_count(*, keyword: str | None) -> int:
    """How many active products match `keyword` (all of them without one)."""
    return _matching(keyword).count()


def _in_page_order(queryset, keyword: str | None):
    """By id ascending. For a keyword, as an expression the id index cannot provide: otherwise the
    planner may walk the id index filtering every row until it finds a page of matches, which costs
    a full scan when its estimate of the matches is off. Through the trigram index the page costs
    at most what the COUNT over the same matches does."""
    return queryset.order_by((F("id") + 0).asc() if keyword else F("id").asc())


@catalog_read
def product_page(*, keyword: str | None, page: int, size: int) -> list[dict]:
    """One page of active products as `{id, name, price, stock}`, ordered by id ascending. `keyword`
    is a case-insensitive substring of the name (served by the trigram index on UPPER(name);
    Django escapes % and _)."""
    offset = page * size
    ordered = _in_page_order(_matching(keyword), keyword)
    return list(ordered.values(*ITEM_FIELDS)[offset : offset + size])


@catalog_read
def product_search(*, keyword: str, page: int, size: int) -> tuple[list[dict], int]:
    """`product_page` and `product_count` for a keyword in ONE query (`COUNT(*) OVER ()`): both
    need the same trigram-index scan of every match, the costly part of a search, so a search not
    in the cache pays it once instead of twice (docs/benchmarks.md #20)."""
    offset = page * size
    counted = _matching(keyword).annotate(total=Window(Count("*")))
    rows = list(_in_page_order(counted, keyword).values(*ITEM_FIELDS, "total")[offset : offset + size])
    if not rows:  # past the end (or nothing matches): the window had no row to report on
        return [], product_count(keyword=keyword)
    total = rows[0]["total"]
    return [{key: row[key] for key in ITEM_FIELDS} for row in rows], total


def product_list(*, keyword: str | None, page: int, size: int) -> tuple[list[dict], int]:
    """A page and the total: `product_search` for a keyword, else `product_count` and
    `product_page` (no page query past the end)."""
    if keyword:
        return product_search(keyword=keyword, page=page, size=size)
    total = product_count(keyword=keyword)
    return (product_page(keyword=keyword, page=page, size=size) if page * size < total else []), total


@catalog_read
def drops_open(*, at: datetime | None = None) -> list[dict]:
    """Active drops (a window set) that have not ended at `at` (now): upcoming, on sale or sold out,
    by start then id (a drop without a start first: on sale since it was created)."""
    now = at or timezone.now()
    return list(
        _active()
        .filter(Q(sale_starts_at__isnull=False) | Q(sale_ends_at__isnull=False))
        .filter(Q(sale_ends_at__isnull=True) | Q(sale_ends_at__gt=now))
        .order_by(F("sale_starts_at").asc(nulls_first=True), "id")
        .values(*ITEM_FIELDS)
    )


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
    product = _active().filter(pk=product_id).first()
    if product is None:
        raise ProductNotFound(f"상품 {product_id}을(를) 찾을 수 없습니다.", productId=product_id)
    return product


def products_for_order(*, product_ids: Iterable[int]) -> dict[int, ProductForOrder]:
    """Active products by id for pricing an order, in one query and without locks (stock is
    re-checked by `stock_sell`). PRODUCT_NOT_FOUND names the first missing or inactive id."""
    wanted = sorted(set(product_ids))
    # Plain SQL: the purchase path does not build this query per call (docs/benchmarks.md #12).
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, name, price, stock, sale_starts_at, sale_ends_at, per_customer_limit "  # noqa: S608
            f"FROM {Product._meta.db_table} WHERE active AND id = ANY(%s)",
            [wanted],
        )
        found = {row[0]: ProductForOrder(*row) for row in cursor.fetchall()}
    for product_id in wanted:
        if product_id not in found:
            raise ProductNotFound(f"상품 {product_id}을(를) 찾을 수 없습니다.", productId=product_id)
    return found


@catalog_read
def best_sellers(*, today: date | None = None) -> dict:
    """Top 5 active products by quantity sold over today and the two days before (Asia/Seoul),
    cancelled sales excluded (reverted in the same day's counters); ties by lower product id.
    `{from, to, items: [{rank, productId, name, price, soldQuantity}]}` with ISO dates."""
    to_day = today or seoul_day()
    from_day = to_day - timedelta(days=TOP_DAYS - 1)
    rows = (
        ProductSales.objects.filter(day__gte=from_day, day__lte=to_day, product__active=True)
        .values("product_id", "product__name", "product__price")
        .annotate(sold=Sum("quantity"))
        .filter(sold__gt=0)
        .order_by("-sold", "product_id")[:TOP_SIZE]
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
