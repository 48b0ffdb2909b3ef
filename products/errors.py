"""Product error codes (API.md)."""

from core.errors import ApiError


class ProductNotFound(ApiError):
    code, status, title = "PRODUCT_NOT_FOUND", 404, "상품을 찾을 수 없음"


class OutOfStock(ApiError):
    code, status, title = "OUT_OF_STOCK", 409, "재고 부족"
