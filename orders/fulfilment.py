"""After payment: an order's fulfilment moves forward only, NONE → PREPARING → SHIPPED → DELIVERED
(SPEC §14), and once SHIPPED it can no longer be cancelled.

Cancel and ship decide on the same row: each is one conditional UPDATE of the order
(`status = 'PAID' AND fulfilment_status IN ('NONE', 'PREPARING')`). PostgreSQL makes the second
of two racing UPDATEs wait for the first to commit and then re-checks its WHERE against the new
row, so exactly one of them matches: a cancel that loses finds a shipped order
(ORDER_NOT_CANCELLABLE), a ship that loses finds a cancelled one (INVALID_FULFILMENT). No lock is
taken before that UPDATE, and the order row is the only one a step locks, so a step cannot close
a cycle with order_cancel's lock order (balance row → the order row → coupon → products).
"""

import re

from django.db import transaction
from django.utils import timezone

from core.errors import InvalidRequest
from dataplatform.services.emitting import event_emit
from orders.errors import InvalidFulfilment, OrderNotFound
from orders.models import Order
from orders.selectors import order_detail
from orders.serializers import order_body

Stage = Order.Fulfilment
STEPS = [Stage.NONE, Stage.PREPARING, Stage.SHIPPED, Stage.DELIVERED]
# Where each step may come from. SHIPPED may skip PREPARING (a parcel packed and sent at once);
# DELIVERED only follows SHIPPED, so a delivered order always has a tracking number.
ALLOWED_FROM = {
    Stage.PREPARING: (Stage.NONE,),
    Stage.SHIPPED: (Stage.NONE, Stage.PREPARING),
    Stage.DELIVERED: (Stage.SHIPPED,),
}
# A cancel is allowed only before the parcel leaves (order_cancel's conditional UPDATE).
CANCELLABLE = (Stage.NONE, Stage.PREPARING)

CARRIER_MAX = 50
TRACKING_MAX = 40
TRACKING_PATTERN = r"^[A-Za-z0-9-]{4,40}$"
CARRIER_REQUIRED = "배송중으로 바꾸려면 택배사를 입력해 주세요."
TRACKING_REQUIRED = "배송중으로 바꾸려면 송장번호를 입력해 주세요."
TRACKING_MESSAGE = "송장번호는 영문, 숫자, 하이픈(-)으로 4~40자입니다."
# Carriers offered in the admin's 발송 처리 form (free text is accepted too).
CARRIERS = ["CJ대한통운", "한진택배", "롯데택배", "우체국택배", "로젠택배", "경동택배"]


def cancellable(order: Order) -> bool:
    """Whether order_cancel would cancel `order` now (pages show the cancel button only then)."""
    return order.status == Order.Status.PAID and order.fulfilment_status in CANCELLABLE


def fulfilment_steps(order: Order) -> list[dict]:
    """The progress line of the shopper's order page: each step with whether it is reached."""
    reached = STEPS.index(order.fulfilment_status)
    return [
        {"status": step, "label": Stage(step).label, "done": i <= reached, "current": i == reached}
        for i, step in enumerate(STEPS)
    ]


def fulfilment_advance(*, order_id: int, status: str, carrier: str = "", tracking_number: str = "") -> Order:
    """Moves a PAID order's fulfilment forward to `status`, in its own durable transaction, and
    emits `order.fulfilment` with the order as it now is. `carrier` and `tracking_number` are
    required for SHIPPED and ignored for the other steps.

    Errors: INVALID_REQUEST (SHIPPED without carrier or tracking number), ORDER_NOT_FOUND,
    INVALID_FULFILMENT (a step backwards, a repeat, DELIVERED before SHIPPED, or any step on a
    cancelled order); nothing is written then.
    """
    status = Stage(status)
    changes: dict = {"fulfilment_status": status}
    now = timezone.now()
    if status == Stage.SHIPPED:
        carrier, tracking_number = carrier.strip(), tracking_number.strip()
        _check_shipment(carrier, tracking_number)
        changes |= {"carrier": carrier, "tracking_number": tracking_number, "shipped_at": now}
    elif status == Stage.DELIVERED:
        changes["delivered_at"] = now

    with transaction.atomic(durable=True):
        moved = Order.objects.filter(
            pk=order_id, status=Order.Status.PAID, fulfilment_status__in=ALLOWED_FROM.get(status, ())
        ).update(**changes)
        if moved:
            order = order_detail(order_id=order_id)
            event_emit(event_type="order.fulfilment", aggregate_id=order.pk, order=order_body(order), occurred_at=now)
            return order
    current = Order.objects.filter(pk=order_id).values_list("status", "fulfilment_status").first()
    if current is None:
        raise OrderNotFound()
    raise InvalidFulfilment(_refusal(current, status), order_id=order_id)


def _check_shipment(carrier: str, tracking_number: str) -> None:
    errors = []
    if not carrier:
        errors.append({"field": "carrier", "message": CARRIER_REQUIRED})
    elif len(carrier) > CARRIER_MAX:
        errors.append({"field": "carrier", "message": f"택배사는 {CARRIER_MAX}자 이하로 입력해 주세요."})
    if not tracking_number:
        errors.append({"field": "trackingNumber", "message": TRACKING_REQUIRED})
    elif not re.fullmatch(TRACKING_PATTERN, tracking_number):
        errors.append({"field": "trackingNumber", "message": TRACKING_MESSAGE})
    if errors:
        raise InvalidRequest(errors[0]["message"], errors=errors)


def _refusal(current: tuple[str, str], target: str) -> str:
    status, fulfilment = current
    if status == Order.Status.CANCELLED:
        return "취소된 주문은 배송 상태를 바꿀 수 없습니다."
    if fulfilment == target:
        return f"이미 ‘{Stage(target).label}’ 상태인 주문입니다."
    if STEPS.index(target) < STEPS.index(fulfilment):
        return f"‘{Stage(fulfilment).label}’에서 ‘{Stage(target).label}’(으)로 되돌릴 수 없습니다."
    return (
        f"‘{Stage(fulfilment).label}’에서 바로 ‘{Stage(target).label}’(으)로 바꿀 수 없습니다. 먼저 발송 처리해 주세요."
    )
