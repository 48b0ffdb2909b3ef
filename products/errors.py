"""Product error codes (API.md)."""

from core.errors import ApiError


class ProductError(ApiError):
    """An error about one product: its problem details name it (`productId`)."""

    def __init__(self, detail: str | None = None, *, product_id: int | None = None):
        super().__init__(detail)
        self.product_id = product_id

    @property
    def extra(self) -> dict[str, object]:
        return {} if self.product_id is None else {"productId": self.product_id}


class ProductNotFound(ProductError):
    code, status, title = "PRODUCT_NOT_FOUND", 404, "상품을 찾을 수 없음"


class OutOfStock(ProductError):
    code, status, title = "OUT_OF_STOCK", 409, "재고 부족"


class SaleNotStarted(ProductError):
    code, status, title = "SALE_NOT_STARTED", 409, "판매 시작 전 상품"


class SaleEnded(ProductError):
    code, status, title = "SALE_ENDED", 409, "판매 종료된 상품"
