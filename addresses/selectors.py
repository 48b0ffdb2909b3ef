from addresses.errors import AddressNotFound
from addresses.models import Address


def address_list(*, user_id: int) -> list[Address]:
    """A shopper's address book, the default first, then the newest."""
    return list(Address.objects.filter(user_id=user_id).order_by("-is_default", "-id"))


def address_get(*, user_id: int, address_id: int) -> Address:
    """The shopper's own address; ADDRESS_NOT_FOUND for someone else's as for an unknown id, so
    nothing is revealed."""
    address = Address.objects.filter(pk=address_id, user_id=user_id).first()
    if address is None:
        raise AddressNotFound(f"배송지 {address_id}을(를) 찾을 수 없습니다.", address_id=address_id)
    return address


def address_copy(address: Address) -> dict:
    """What an order keeps of an address: the API's address fields as they are now (`isDefault`
    left out: it says nothing about the order). `addressId` names the entry it was taken from,
    which may since have been edited or deleted."""
    return {
        "addressId": address.pk,
        "recipient": address.recipient,
        "phone": address.phone,
        "postalCode": address.postal_code,
        "address": address.address,
        "addressDetail": address.address_detail,
        "memo": address.memo or None,
    }


def address_for_order(*, user_id: int, address_id: int | None) -> dict | None:
    """The copy an order takes: of `address_id` if given (the user's own, else ADDRESS_NOT_FOUND),
    otherwise of the user's default address, or None when the book is empty. One query."""
    if address_id is not None:
        return address_copy(address_get(user_id=user_id, address_id=address_id))
    default = Address.objects.filter(user_id=user_id, is_default=True).first()
    return None if default is None else address_copy(default)
