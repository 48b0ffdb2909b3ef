"""0-based `page` / `size` paging as API.md describes it: `{items, page, size, totalItems, totalPages}`."""

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from core.errors import InvalidRequest
from core.pages import PageParams, page_count

MAX_PAGE_SIZE = 100
MAX_PAGE = 10_000_000


def _parse_int(raw: str | None, name: str, default: int, low: int, high: int) -> int:
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise InvalidRequest(
            f"{name}는 {low}..{high} 범위의 정수여야 합니다.",
            errors=[{"field": name, "message": f"{low} 이상 {high} 이하의 정수여야 합니다."}],
        )
    value = int(raw)
    if not low <= value <= high:
        raise InvalidRequest(
            f"{name}는 {low}..{high} 범위의 정수여야 합니다.",
            errors=[{"field": name, "message": f"{low} 이상 {high} 이하의 정수여야 합니다."}],
        )
    return value


def page_params(query_params, *, default_size: int = 10) -> PageParams:
    """Reads `page` (0-based) and `size` (1..100) from a query dict; anything else is INVALID_REQUEST."""
    return PageParams(
        page=_parse_int(query_params.get("page"), "page", 0, 0, MAX_PAGE),
        size=_parse_int(query_params.get("size"), "size", default_size, 1, MAX_PAGE_SIZE),
    )


def page_body(items: list, params: PageParams, total: int) -> dict:
    return {
        "items": items,
        "page": params.page,
        "size": params.size,
        "totalItems": total,
        "totalPages": page_count(total, params.size),
    }


def page_serializer(item_serializer: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """An OpenAPI-visible page envelope around an item serializer."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "items": item_serializer(many=True),
            "page": serializers.IntegerField(),
            "size": serializers.IntegerField(),
            "totalItems": serializers.IntegerField(),
            "totalPages": serializers.IntegerField(),
        },
    )


def page_parameters(*, default_size: int) -> list[OpenApiParameter]:
    """The `page` / `size` query parameters as the OpenAPI schema documents them, bounds included."""
    return [
        OpenApiParameter(
            "page", {"type": "integer", "minimum": 0, "maximum": MAX_PAGE, "default": 0}, description="0부터 시작"
        ),
        OpenApiParameter(
            "size",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": default_size},
            description=f"한 페이지 크기, 1..{MAX_PAGE_SIZE}",
        ),
    ]
