"""Storefront pages: the catalog (category, sort, search, paging), the 타임딜 page, and a product's page."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.utils import timezone

from core.pages import StorefrontPage, page_count
from products import categories, selectors
from products.drops import SaleStatus
from products.errors import ProductNotFound
from products.templatetags.drops import drop_state

PAGE_SIZE = 20


def product_catalog(request):
    """The catalog: category, sort and keyword together, with each category's count for the
    current keyword. An unknown sort shows the default order; an unknown category is a 404."""
    keyword = (request.GET.get("keyword") or "").strip()[: selectors.KEYWORD_MAX_LENGTH]
    sort = request.GET.get("sort") if request.GET.get("sort") in categories.SORTS else categories.DEFAULT_SORT
    slug = request.GET.get("category") or ""
    shelves = categories.categories_for_menu()
    current = next((shelf for shelf in shelves if shelf.slug == slug), None)
    if slug and current is None:
        return render(request, "errors/404.html", status=404)
    page = StorefrontPage.from_query(request.GET.get("page"), first=0, size=PAGE_SIZE)
    items, total = selectors.product_list(
        keyword=keyword or None,
        page=page.params.page,
        size=page.size,
        category_id=current.pk if current else None,
        sort=sort,
    )
    counts = categories.category_counts(matching=selectors.matching_products(keyword=keyword or None))
    context = {
        "keyword": keyword,
        "sort": sort,
        "sorts": [
            (key, label, _query(keyword=keyword, category=slug, sort=key)) for key, label in categories.SORTS.items()
        ],
        "current": current,
        "shelves": [
            (shelf, counts.get(shelf.pk, 0), _query(keyword=keyword, category=shelf.slug, sort=sort))
            for shelf in shelves
        ],
        "all_count": sum(counts.values()),
        "all_query": _query(keyword=keyword, sort=sort),
        "items": items,
        "total": total,
        "page": page.number,
        "total_pages": page_count(total, PAGE_SIZE),
        "prev_page": page.previous,
        "next_page": page.next(total),
        "query": _query(keyword=keyword, category=slug, sort=sort),
    }
    return render(request, "products/catalog.html", context)


def _query(**params) -> str:
    """The catalog's filters as a query string to put before `page=` (defaults left out)."""
    kept = {k: v for k, v in params.items() if v and not (k == "sort" and v == categories.DEFAULT_SORT)}
    return urlencode(kept) + "&" if kept else ""


def drop_list(request):
    """The 타임딜 page: live drops first, then upcoming ones, then sold-out ones, each with its
    units left of its allotment and a countdown (static/js/drops.js)."""
    now = timezone.now()
    rows = selectors.drops_open(at=now)
    sold = selectors.units_sold(product_ids=[row["id"] for row in rows])
    sections = {SaleStatus.ON_SALE: [], SaleStatus.UPCOMING: [], SaleStatus.SOLD_OUT: []}
    for row in rows:
        state = drop_state(row, now=now)
        allotment = row["stock"] + sold.get(row["id"], 0)
        state["allotment"] = allotment
        state["left_percent"] = row["stock"] * 100 // allotment if allotment else 0
        sections[SaleStatus(state["status"])].append((row, state))
    context = {
        "live": sections[SaleStatus.ON_SALE],
        "upcoming": sections[SaleStatus.UPCOMING],
        "sold_out": sections[SaleStatus.SOLD_OUT],
        "server_now": now,
    }
    return render(request, "products/drops.html", context)


def product_detail(request, product_id: int):
    try:
        product = selectors.product_get(product_id=product_id)
    except ProductNotFound:
        return render(request, "errors/404.html", status=404)
    return render(request, "products/detail.html", {"product": product, "server_now": timezone.now()})
