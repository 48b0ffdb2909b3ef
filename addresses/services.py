"""Writes to a shopper's address book. Every write first locks the shopper's user row, so the
writes of one shopper run one at a time: the count limit and "exactly one default while the book
is not empty" hold under concurrency (the partial unique index `address_one_default` is the
database's backstop). Placing an order never takes this lock: it only reads the book
(selectors.address_for_order) and keeps a copy, so the order's lock order is unchanged."""

from django.contrib.auth import get_user_model
from django.db import transaction

from addresses import rules
from addresses.models import Address
from addresses.selectors import address_get
from core.errors import InvalidRequest

EDITABLE = ("recipient", "phone", "postal_code", "address", "address_detail", "memo")


def _lock_book(user_id: int) -> None:
    get_user_model().objects.select_for_update().filter(pk=user_id).values_list("pk", flat=True).first()


def address_create(
    *,
    user_id: int,
    recipient: str,
    phone: str,
    postal_code: str,
    address: str,
    address_detail: str = "",
    memo: str = "",
    is_default: bool = False,
) -> Address:
    """Adds an address; the shopper's first one becomes the default whatever `is_default` says,
    and a new default unsets the previous one. At most rules.MAX_ADDRESSES per shopper."""
    with transaction.atomic():
        _lock_book(user_id)
        book = Address.objects.filter(user_id=user_id)
        count = book.count()
        if count >= rules.MAX_ADDRESSES:
            raise InvalidRequest(rules.BOOK_FULL_MESSAGE, errors=[{"field": None, "message": rules.BOOK_FULL_MESSAGE}])
        is_default = is_default or count == 0
        if is_default:
            book.filter(is_default=True).update(is_default=False)
        return Address.objects.create(
            user_id=user_id,
            recipient=recipient,
            phone=phone,
            postal_code=postal_code,
            address=address,
            address_detail=address_detail,
            memo=memo,
            is_default=is_default,
        )


def address_update(*, user_id: int, address_id: int, is_default: bool | None = None, **changes) -> Address:
    """Changes the given fields of the shopper's own address (ADDRESS_NOT_FOUND otherwise).
    `is_default=True` makes it the default and unsets the previous one; the default cannot be
    unset directly (choose another one instead), so the book always keeps one."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"address_update: unknown fields {sorted(unknown)}")
    with transaction.atomic():
        _lock_book(user_id)
        entry = address_get(user_id=user_id, address_id=address_id)
        if is_default is False and entry.is_default:
            raise InvalidRequest(
                rules.KEEP_A_DEFAULT_MESSAGE, errors=[{"field": "isDefault", "message": rules.KEEP_A_DEFAULT_MESSAGE}]
            )
        fields = list(changes)
        for name, value in changes.items():
            setattr(entry, name, value)
        if is_default and not entry.is_default:
            Address.objects.filter(user_id=user_id, is_default=True).update(is_default=False)
            entry.is_default = True
            fields.append("is_default")
        if fields:
            entry.save(update_fields=fields)
        return entry


def address_delete(*, user_id: int, address_id: int) -> None:
    """Deletes the shopper's own address (ADDRESS_NOT_FOUND otherwise). Deleting the default makes
    the newest remaining address the default. Past orders keep their copies."""
    with transaction.atomic():
        _lock_book(user_id)
        entry = address_get(user_id=user_id, address_id=address_id)
        entry.delete()
        if entry.is_default:
            newest = Address.objects.filter(user_id=user_id).order_by("-id").values_list("pk", flat=True).first()
            if newest is not None:
                Address.objects.filter(pk=newest).update(is_default=True)
