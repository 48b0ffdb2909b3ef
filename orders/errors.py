from core.errors import ApiError
from products.errors import ProductError


class OrderError(ApiError):
    """An error about one order: its problem details name it (`orderId`)."""

    def __init__(self, detail: str | None = None, *, order_id: int | None = None):
        super().__init__(detail)
        self.order_id = order_id

    @property
    def extra(self) -> dict[str, object]:
        return {} if self.order_id is None else {"orderId": self.order_id}


class OrderNotFound(ApiError):
    code, status, title = "ORDER_NOT_FOUND", 404, "주문을 찾을 수 없음"


class PurchaseLimitExceeded(ProductError):
    code, status, title = "PURCHASE_LIMIT_EXCEEDED", 409, "구매 한도 초과"


class OrderNotCancellable(OrderError):
    code, status, title = "ORDER_NOT_CANCELLABLE", 409, "취소할 수 없는 주문"


class InvalidFulfilment(OrderError):
    code, status, title = "INVALID_FULFILMENT", 409, "처리할 수 없는 배송 상태"
