from core.errors import ApiError


class AddressNotFound(ApiError):
    code, status, title = "ADDRESS_NOT_FOUND", 404, "배송지를 찾을 수 없음"

    def __init__(self, detail: str | None = None, *, address_id: int | None = None):
        super().__init__(detail)
        self.address_id = address_id

    @property
    def extra(self) -> dict[str, object]:
        return {} if self.address_id is None else {"addressId": self.address_id}
