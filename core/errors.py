"""Domain errors. Each API error code of API.md is one class carrying its HTTP status and Korean
title; the API exception handler turns any of them into RFC 9457 problem details. Apps define
their own codes in their `errors.py` by subclassing `ApiError`."""


class ApiError(Exception):
    code = "INTERNAL_ERROR"
    status = 500
    title = "서버 오류"

    def __init__(self, detail: str | None = None, *, errors: list[dict] | None = None, **extra):
        self.detail = detail or self.title
        self.errors = errors
        self.extra = extra
        super().__init__(self.detail)


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


class InternalError(ApiError):
    code, status, title = "INTERNAL_ERROR", 500, "서버 오류"


class ServiceUnavailable(ApiError):
    code, status, title = "SERVICE_UNAVAILABLE", 503, "일시적으로 사용할 수 없음"


class IdempotencyInProgress(ApiError):
    code, status, title = "IDEMPOTENCY_IN_PROGRESS", 409, "처리 중인 요청"


class IdempotencyKeyReused(ApiError):
    code, status, title = "IDEMPOTENCY_KEY_REUSED", 422, "다른 요청에 사용된 멱등키"
