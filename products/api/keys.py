"""The list's query parameters, and the cache key parts a list page is stored under."""

import hashlib

from core.errors import InvalidRequest
from products import selectors


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
