"""The list's query parameters, and the cache key each public read is stored under."""

import hashlib

from core.api.pagination import page_params
from core.errors import InvalidRequest
from products import cache, selectors
from products.api.catalog import list_filters
from products.best_sellers import best_sellers_key


def keyword_param(query_params) -> str | None:
    keyword = query_params.get("keyword")
    if keyword is None:
        return None
    if len(keyword) > selectors.KEYWORD_MAX_LENGTH:
        raise InvalidRequest(
            f"keyword는 {selectors.KEYWORD_MAX_LENGTH}자 이하여야 합니다.",
            errors=[{"field": "keyword", "message": f"{selectors.KEYWORD_MAX_LENGTH}자 이하여야 합니다."}],
        )
    if "\x00" in keyword:
        raise InvalidRequest(
            "keyword에 사용할 수 없는 문자가 있습니다.",
            errors=[{"field": "keyword", "message": "사용할 수 없는 문자가 있습니다."}],
        )
    return keyword.strip() or None


def _keyword_digest(keyword: str | None) -> str:
    return hashlib.sha256(keyword.encode()).hexdigest()[:32] if keyword else "-"


def list_key_parts(params, keyword: str | None, slug: str | None, sort: str) -> tuple:
    return ("list", params.page, params.size, _keyword_digest(keyword), slug or "-", sort)


def list_cache_key(request) -> str:
    return cache.key(*list_key_parts(page_params(request.GET), keyword_param(request.GET), *list_filters(request.GET)))


def detail_cache_key(request, productId: int) -> str:
    return cache.key("detail", productId)


def best_sellers_cache_key(request) -> str:
    return best_sellers_key()
