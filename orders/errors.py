from core.errors import ApiError


class OrderNotFound(ApiError):
    code, status, title = "ORDER_NOT_FOUND", 404, "주문을 찾을 수 없음"
