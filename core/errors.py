"""Domain errors. Each API error code of API.md is one class carrying its HTTP status and Korean
title; the API exception handler turns any of them into RFC 9457 problem details. Apps define
their own codes in their `errors.py` by subclassing `ApiError`.

A class whose problem details carry more members (`productId`, `retryAfter`, ...) declares them:
typed keyword arguments of its `__init__`, and `extra`, the members as they go on the wire."""


class ApiError(Exception):
    code = "INTERNAL_ERROR"
    status = 500
    title = "서버 오류"

    def __init__(self, detail: str | None = None, *, errors: list[dict] | None = None):
        self.detail = detail or self.title
        self.errors = errors
        super().__init__(self.detail)

    @property
    def extra(self) -> dict[str, object]:
        """The members this error adds to its problem details (camelCase, as on the wire)."""
        return {}


class InvalidRequest(ApiError):
    code, status, title = "INVALID_REQUEST", 400, "잘못된 요청"


class Unauthenticated(ApiError):
    code, status, title = "UNAUTHENTICATED", 401, "인증 오류"


class Forbidden(ApiError):
    code, status, title = "FORBIDDEN", 403, "권한 없음"


class InvalidUser(ApiError):
    code, status, title = "INVALID_USER", 404, "유효하지 않은 사용자"


class NotFound(ApiError):
    code, status, title = "NOT_FOUND", 404, "찾을 수 없음"


class MethodNotAllowed(ApiError):
    code, status, title = "METHOD_NOT_ALLOWED", 405, "허용되지 않은 메서드"


class NotAcceptable(ApiError):
    code, status, title = "NOT_ACCEPTABLE", 406, "지원하지 않는 응답 형식"


class PayloadTooLarge(ApiError):
    code, status, title = "PAYLOAD_TOO_LARGE", 413, "요청 본문이 너무 큼"


class UnsupportedMediaType(ApiError):
    code, status, title = "UNSUPPORTED_MEDIA_TYPE", 415, "지원하지 않는 요청 형식"


class RateLimited(ApiError):
    code, status, title = "RATE_LIMITED", 429, "요청이 너무 많음"

    def __init__(self, detail: str | None = None, *, retry_after: int | None = None):
        super().__init__(detail)
        self.retry_after = retry_after

    @property
    def extra(self) -> dict[str, object]:
        return {} if self.retry_after is None else {"retryAfter": self.retry_after}


class InternalError(ApiError):
    code, status, title = "INTERNAL_ERROR", 500, "서버 오류"

    def __init__(self, detail: str | None = None, *, request_id: str | None):
        super().__init__(detail)
        self.request_id = request_id

    @property
    def extra(self) -> dict[str, object]:
        return {"requestId": self.request_id}  # null when the request had none: the key is always there


class ServiceUnavailable(ApiError):
    code, status, title = "SERVICE_UNAVAILABLE", 503, "일시적으로 사용할 수 없음"

    def __init__(
        self, detail: str | None = None, *, failed: list[str] | None = None, checks: dict[str, str] | None = None
    ):
        super().__init__(detail)
        self.failed, self.checks = failed, checks

    @property
    def extra(self) -> dict[str, object]:
        """The health check's parts (`failed`, `checks`) when it is the one answering."""
        return {name: value for name, value in (("failed", self.failed), ("checks", self.checks)) if value is not None}


class IdempotencyInProgress(ApiError):
    code, status, title = "IDEMPOTENCY_IN_PROGRESS", 409, "처리 중인 요청"


class IdempotencyKeyReused(ApiError):
    code, status, title = "IDEMPOTENCY_KEY_REUSED", 422, "다른 요청에 사용된 멱등키"
