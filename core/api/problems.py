"""RFC 9457 problem details: one place that knows the wire shape."""

from django.http import JsonResponse

from core.errors import ApiError

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_body(error: ApiError) -> dict:
    body = {
        "type": f"/problems/{error.code.lower().replace('_', '-')}",
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        "code": error.code,
    }
    if error.errors:
        body["errors"] = error.errors
    body.update(error.extra)
    return body


def problem_response(error: ApiError, headers: dict | None = None) -> JsonResponse:
    """A problem response for code paths outside DRF (Django's 404/500 handlers, middleware)."""
    response = JsonResponse(
        problem_body(error),
        status=error.status,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response
