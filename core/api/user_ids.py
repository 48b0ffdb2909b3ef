"""A `userId` in a path segment or a query string: the one parser, and how the schema states it."""

from typing import Literal

from drf_spectacular.utils import OpenApiParameter

from core.api.fields import BIGINT_MAX
from core.errors import InvalidRequest


def user_id_parse(raw: str) -> int:
    """A positive integer up to bigint's limit, in ASCII digits; anything else is INVALID_REQUEST
    (in a path too: a malformed id is the client's mistake, not an unknown route)."""
    if raw.isascii() and raw.isdigit() and len(raw) <= 19 and 1 <= int(raw) <= BIGINT_MAX:
        return int(raw)
    raise InvalidRequest(
        "userId는 양의 정수여야 합니다.", errors=[{"field": "userId", "message": "양의 정수여야 합니다."}]
    )


def user_id_parameter(location: Literal["path", "query"], *, description: str) -> OpenApiParameter:
    """The `userId` parameter with the bounds `user_id_parse` enforces, so a generated client never
    sends a request the server refuses with 400."""
    return OpenApiParameter(
        "userId",
        {"type": "integer", "format": "int64", "minimum": 1, "maximum": BIGINT_MAX},
        location,
        description=description,
    )
