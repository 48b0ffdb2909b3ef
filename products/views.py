"""Storefront pages: the catalog with search and paging, and a product's page."""

from django.shortcuts import render

from core.api.pagination import PageParams, page_number
from products import selectors
from products.errors import ProductNotFound

PAGE_SIZE = 20


def product_catalog(request):
    keyword = (request.GET.get("keyword") or "").strip()[: selectors.KEYWORD_MAX_LENGTH]
    params = PageParams(page=page_number(request.GET.get("page"), first=0), size=PAGE_SIZE)
    items, total = selectors.product_list(keyword=keyword or None, page=params.page, size=params.size)
    total_pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    context = {
        "keyword": keyword,
        "items": items,
        "total": total,
        "page": params.page,
        "total_pages": total_pages,
        "prev_page": params.page - 1 if params.page > 0 else None,
        "next_page": params.page + 1 if params.page + 1 < total_pages else None,
    }
    return render(request, "products/catalog.html", context)


def product_detail(request, product_id: int):
    try:
        product = selectors.product_get(product_id=product_id)
    except ProductNotFound:
        return render(request, "errors/404.html", status=404)
    return render(request, "products/detail.html", {"product": product})
