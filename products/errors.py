"""Product error codes (API.md)."""

from core.errors import ApiError


class ProductNotFound(ApiError):
    code, status, title = "PRODUCT_NOT_FOUND", 404, "상품을 찾을 수 없음"


class OutOfStock(ApiError):
    code, status, title = "OUT_OF_STOCK", 409, "재고 부족"


class SaleNotStarted(ApiError):
    code, status, title = "SALE_NOT_STARTED", 409, "판매 시작 전 상품"


class SaleEnded(ApiError):
    code, status, title = "SALE_ENDED", 409, "판매 종료된 상품"
