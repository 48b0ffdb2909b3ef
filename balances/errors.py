"""Balance error codes (API.md)."""

from core.errors import ApiError


class InvalidAmount(ApiError):
    code, status, title = "INVALID_AMOUNT", 400, "유효하지 않은 금액"


class InsufficientBalance(ApiError):
    code, status, title = "INSUFFICIENT_BALANCE", 409, "잔액 부족"
