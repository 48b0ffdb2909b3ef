"""Timed drops (타임딜, SPEC §9): a product's sale status, the rules of a drop, the order-time check.

The status is derived, never stored: from the window (`sale_starts_at`, `sale_ends_at`), the clock
and the stock, so it cannot drift from them. The window is half-open, [start, end): at the start
second a drop is on sale, at the end second it has ended.

Cached API bodies are rendered once and served as bytes for many seconds, but the status must
follow the clock to the second (API.md). So a drop's `saleStatus` is cached as a token holding its
times (`status_token`), and `resolve_statuses` turns each token into the status at the moment of the
answer; the stock part of it is as stale as `stock` itself (≤ 10 s), as the contract allows.
"""

import re
from datetime import datetime
from enum import StrEnum

from django.utils import timezone

from core.errors import InvalidRequest
from products.errors import SaleEnded, SaleNotStarted


class SaleStatus(StrEnum):
    UPCOMING = "UPCOMING"
    ON_SALE = "ON_SALE"
    SOLD_OUT = "SOLD_OUT"
    ENDED = "ENDED"


def is_drop(*, starts_at: datetime | None, ends_at: datetime | None) -> bool:
    return starts_at is not None or ends_at is not None


def sale_status(*, starts_at: datetime | None, ends_at: datetime | None, stock: int, at: datetime) -> SaleStatus:
    """The status at `at`. Precedence as for orders: before the window, after it, then the stock."""
    if starts_at is not None and at < starts_at:
        return SaleStatus.UPCOMING
    if ends_at is not None and at >= ends_at:
        return SaleStatus.ENDED
    return SaleStatus.SOLD_OUT if stock <= 0 else SaleStatus.ON_SALE


def status_of(product, *, at: datetime | None = None) -> SaleStatus:
    """The status of a Product (or anything with its attribute names) now, or at `at`."""
    return sale_status(
        starts_at=product.sale_starts_at,
        ends_at=product.sale_ends_at,
        stock=product.stock,
        at=at or timezone.now(),
    )


def window_refusal(*, product_id: int, starts_at, ends_at, at: datetime):
    """SALE_NOT_STARTED or SALE_ENDED (the error to raise) if the window is closed at `at`, else None."""
    if starts_at is not None and at < starts_at:
        local = timezone.localtime(starts_at)
        return SaleNotStarted(
            f"상품 {product_id}은(는) {local:%m월 %d일 %H:%M}에 판매를 시작합니다.",
            product_id=product_id,
        )
    if ends_at is not None and at >= ends_at:
        return SaleEnded(f"상품 {product_id}의 판매가 종료되었습니다.", product_id=product_id)
    return None


def ensure_on_sale(products, *, at: datetime) -> None:
    """For an order: every product's window is open at `at`. SALE_NOT_STARTED for the first (by id)
    not yet open, else SALE_ENDED for the first closed; the contract's precedence across lines."""
    ordered = sorted(products, key=lambda product: product.id)
    for product in ordered:
        if product.sale_starts_at is not None and at < product.sale_starts_at:
            raise window_refusal(product_id=product.id, starts_at=product.sale_starts_at, ends_at=None, at=at)
    for product in ordered:
        error = window_refusal(product_id=product.id, starts_at=None, ends_at=product.sale_ends_at, at=at)
        if error is not None:
            raise error


# --- cached bodies ------------------------------------------------------------------------------

_TOKEN_PREFIX = "~sale~"
# Anchored on the key: inside a JSON string a quote is always escaped, so a product's name or
# description can never contain the bytes `"saleStatus":"`.
_TOKEN = re.compile(rb'"saleStatus":"~sale~(-|-?\d+)~(-|-?\d+)~([01])~"')


def _micros(moment: datetime | None) -> str:
    return "-" if moment is None else str(int(moment.timestamp() * 1_000_000))


def status_token(*, starts_at: datetime | None, ends_at: datetime | None, stock: int) -> str:
    """What a cached body holds for `saleStatus`: the status itself for a product without a window
    (it depends only on the stock), the times for a drop (resolved when answering)."""
    if not is_drop(starts_at=starts_at, ends_at=ends_at):
        return sale_status(starts_at=None, ends_at=None, stock=stock, at=timezone.now()).value
    return f"{_TOKEN_PREFIX}{_micros(starts_at)}~{_micros(ends_at)}~{1 if stock <= 0 else 0}~"


def resolve_statuses(body: bytes, *, at: datetime | None = None) -> bytes:
    """`body` with every drop's status token replaced by its status at `at` (now)."""
    if b"~sale~" not in body:
        return body
    now = int((at or timezone.now()).timestamp() * 1_000_000)

    def status(match: re.Match) -> bytes:
        starts, ends, sold_out = match.groups()
        if starts != b"-" and now < int(starts):
            value = SaleStatus.UPCOMING
        elif ends != b"-" and now >= int(ends):
            value = SaleStatus.ENDED
        else:
            value = SaleStatus.SOLD_OUT if sold_out == b"1" else SaleStatus.ON_SALE
        return b'"saleStatus":"' + value.encode() + b'"'

    return _TOKEN.sub(status, body)


# --- the rules of a drop (API, admin and services alike) ----------------------------------------

DROP_FIELDS = ("list_price", "sale_starts_at", "sale_ends_at", "per_customer_limit", "waiting_room", "admit_per_second")
ADMIT_PER_SECOND_MAX = 10_000
# The API's names for the fields, used in `errors[]`.
API_NAMES = {
    "price": "price",
    "list_price": "listPrice",
    "sale_starts_at": "saleStartsAt",
    "sale_ends_at": "saleEndsAt",
    "per_customer_limit": "perCustomerLimit",
    "waiting_room": "waitingRoom",
    "admit_per_second": "admitPerSecond",
}


def drop_rule_errors(
    *, price, list_price, sale_starts_at, sale_ends_at, per_customer_limit, waiting_room=False, admit_per_second=None
) -> dict[str, str]:
    """The broken rules of a drop as {model field: Korean message}; empty when it is valid.
    The database CHECKs the same rules (Product.Meta.constraints)."""
    errors = {}
    if list_price is not None and price is not None and list_price < price:
        errors["list_price"] = "정가는 판매가 이상이어야 합니다."
    if sale_starts_at is not None and sale_ends_at is not None and sale_ends_at <= sale_starts_at:
        errors["sale_ends_at"] = "판매 종료는 판매 시작보다 뒤여야 합니다."
    if per_customer_limit is not None and per_customer_limit < 1:
        errors["per_customer_limit"] = "1인 구매 한도는 1 이상이어야 합니다."
    if admit_per_second is not None and not 1 <= admit_per_second <= ADMIT_PER_SECOND_MAX:
        errors["admit_per_second"] = f"초당 입장 인원은 1 이상 {ADMIT_PER_SECOND_MAX:,} 이하여야 합니다."
    return errors


def ensure_drop_rules(values: dict) -> None:
    """INVALID_REQUEST with `errors[]` (API names) when `values` (the product as it would be
    saved, model field names) breaks a rule of a drop."""
    errors = drop_rule_errors(price=values.get("price"), **{field: values.get(field) for field in DROP_FIELDS})
    if errors:
        raise InvalidRequest(
            "타임딜 설정이 올바르지 않습니다.",
            errors=[{"field": API_NAMES[field], "message": message} for field, message in errors.items()],
        )
