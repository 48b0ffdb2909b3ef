"""Categories and the catalog's sort orders: reads, and checking the `category` and `sort`
parameters of the product list (API.md § Categories and sorting)."""

import re

from django.db.models import Count, Q

from core.errors import InvalidRequest
from products.models import Category

# API key → what the storefront's sort menu calls it. Ties are always broken by id ascending.
SORTS = {"id": "기본순", "new": "최신순", "price": "낮은 가격순", "-price": "높은 가격순"}
DEFAULT_SORT = "id"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def sort_checked(value: str | None) -> str:
    """The sort key, DEFAULT_SORT when absent; INVALID_REQUEST for any other value."""
    if value is None or value == "":
        return DEFAULT_SORT
    if value not in SORTS:
        allowed = ", ".join(SORTS)
        raise InvalidRequest(
            f"sort는 {allowed} 중 하나여야 합니다.", errors=[{"field": "sort", "message": f"{allowed} 중 하나"}]
        )
    return value


def slug_checked(value: str | None) -> str | None:
    """A well-formed slug or None; INVALID_REQUEST for a malformed one (whether it exists is
    `category_id_for` after a cache miss)."""
    if value is None or value == "":
        return None
    if len(value) > 50 or not _SLUG.match(value):
        raise _unknown(value)
    return value


def _unknown(slug: str) -> InvalidRequest:
    return InvalidRequest(
        f"카테고리 '{slug[:50]}'을(를) 찾을 수 없습니다.", errors=[{"field": "category", "message": "없는 카테고리"}]
    )


def category_id_for(slug: str | None) -> int | None:
    """The id of the category with this slug (None for no slug); INVALID_REQUEST if none has it."""
    if slug is None:
        return None
    found = Category.objects.filter(slug=slug).values_list("pk", flat=True).first()
    if found is None:
        raise _unknown(slug)
    return found


def category_list() -> list[dict]:
    """Every category in menu order as `{slug, name, productCount}`, active products counted
    (one query)."""
    # order_by again: Django leaves Meta.ordering out of a GROUP BY query.
    rows = (
        Category.objects.annotate(count=Count("products", filter=Q(products__active=True)))
        .order_by("order", "name", "id")
        .values("slug", "name", "count")
    )
    return [{"slug": row["slug"], "name": row["name"], "productCount": row["count"]} for row in rows]


def category_counts(*, matching) -> dict[int | None, int]:
    """How many of the `matching` products (a queryset of active products, e.g. a keyword's) are
    in each category id (None: no category), in one GROUP BY."""
    rows = matching.order_by().values("category_id").annotate(count=Count("*")).values_list("category_id", "count")
    return dict(rows)


def category_ref(category: Category | None) -> dict | None:
    """A product object's `category`: `{slug, name}` or null."""
    return {"slug": category.slug, "name": category.name} if category is not None else None


def categories_for_menu() -> list[Category]:
    return list(Category.objects.all())


def category_by_slug(slug: str) -> Category | None:
    return Category.objects.filter(slug=slug).first()
