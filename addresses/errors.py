from core.errors import ApiError


class AddressNotFound(ApiError):
    code, status, title = "ADDRESS_NOT_FOUND", 404, "배송지를 찾을 수 없음"
