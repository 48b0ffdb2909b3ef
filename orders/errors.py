from core.errors import ApiError


class OrderNotFound(ApiError):
    code, status, title = "ORDER_NOT_FOUND", 404, "주문을 찾을 수 없음"


class PurchaseLimitExceeded(ApiError):
    code, status, title = "PURCHASE_LIMIT_EXCEEDED", 409, "구매 한도 초과"


class OrderNotCancellable(ApiError):
    code, status, title = "ORDER_NOT_CANCELLABLE", 409, "취소할 수 없는 주문"


class InvalidFulfilment(ApiError):
    code, status, title = "INVALID_FULFILMENT", 409, "처리할 수 없는 배송 상태"
