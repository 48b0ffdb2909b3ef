"""Coupon drops as staff create and edit them: the rules, create, save."""

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.errors import InvalidRequest
from core.replicas import CATALOG, pin_primary
from coupons import gate
from coupons.models import CouponDrop, DiscountType
from coupons.services.rebuild import coupon_gate_ready_quietly

logger = logging.getLogger(__name__)


def coupon_drop_errors(
    *,
    name: str,
    discount_type: str,
    discount_value: int,
    max_discount_amount: int | None,
    min_order_amount: int | None,
    total_quantity: int,
    issue_starts_at: datetime,
    issue_ends_at: datetime | None,
    valid_days: int,
    issued_count: int = 0,
    now: datetime | None = None,
) -> list[dict]:
    """The drop rules as [{field, message}] (empty when valid); the API and the admin share them.
    `now` is given for a new drop only: a new drop's window must end in the future."""
    errors: list[dict] = []

    def add(field: str, message: str) -> None:
        errors.append({"field": field, "message": message})

    if not name or not name.strip():
        add("name", "이름을 입력해 주세요.")
    if discount_type == DiscountType.PERCENT:
        if not 1 <= discount_value <= 100:
            add("discountValue", "정률 할인은 1~100 사이여야 합니다.")
    elif discount_type == DiscountType.FIXED:
        if discount_value < 1:
            add("discountValue", "정액 할인은 1원 이상이어야 합니다.")
    else:
        add("discountType", "FIXED 또는 PERCENT 여야 합니다.")
    if max_discount_amount is not None and max_discount_amount < 1:
        add("maxDiscountAmount", "최대 할인 금액은 1원 이상이어야 합니다.")
    if min_order_amount is not None and min_order_amount < 0:
        add("minOrderAmount", "최소 주문 금액은 0원 이상이어야 합니다.")
    if total_quantity < 1:
        add("totalQuantity", "총 수량은 1 이상이어야 합니다.")
    elif total_quantity < issued_count:
        add("totalQuantity", f"이미 {issued_count}장이 발급되어 그보다 줄일 수 없습니다.")
    if valid_days < 1:
        add("validDays", "유효 기간은 1일 이상이어야 합니다.")
    if issue_ends_at is not None:
        if issue_ends_at <= issue_starts_at:
            add("issueEndsAt", "발급 종료는 발급 시작 이후여야 합니다.")
        elif now is not None and issue_ends_at <= now:
            add("issueEndsAt", "발급 종료는 미래여야 합니다.")
    return errors


def coupon_drop_create(
    *,
    name: str,
    discount_type: str,
    discount_value: int,
    total_quantity: int,
    valid_days: int,
    max_discount_amount: int | None = None,
    min_order_amount: int | None = None,
    issue_starts_at: datetime | None = None,
    issue_ends_at: datetime | None = None,
) -> CouponDrop:
    """Creates a drop (INVALID_REQUEST with field errors when a rule is broken) and readies its gate."""
    now = timezone.now()
    fields: dict[str, Any] = dict(
        name=name,
        discount_type=discount_type,
        discount_value=discount_value,
        max_discount_amount=max_discount_amount,
        min_order_amount=min_order_amount,
        total_quantity=total_quantity,
        issue_starts_at=issue_starts_at or now,
        issue_ends_at=issue_ends_at,
        valid_days=valid_days,
    )
    errors = coupon_drop_errors(**fields, now=now)
    if errors:
        raise InvalidRequest("쿠폰 정보가 올바르지 않습니다.", errors=errors)
    drop = CouponDrop.objects.create(**fields)
    coupon_gate_ready_quietly(coupon_id=drop.pk)
    return drop


EDITABLE_DROP_FIELDS = [
    "name",
    "discount_type",
    "discount_value",
    "max_discount_amount",
    "min_order_amount",
    "total_quantity",
    "issue_starts_at",
    "issue_ends_at",
    "valid_days",
]


def coupon_drop_save(*, drop: CouponDrop) -> CouponDrop:
    """Saves a drop edited by staff (validated by the caller's form) and readies its gate; once the
    save commits, the gate's issue window is the saved one in every worker.
    `issued_count` is never written from here: only the issue path moves it."""
    if drop.pk is None:
        drop.save()
    else:
        drop.save(update_fields=EDITABLE_DROP_FIELDS)
    pin_primary(CATALOG)  # the open-drops list reads the primary until the replica has this edit
    coupon_gate_ready_quietly(coupon_id=drop.pk)
    coupon_id, starts_at, ends_at = drop.pk, drop.issue_starts_at, drop.issue_ends_at
    # The rebuild above ran before the commit; this makes the window true once the edit is committed.
    transaction.on_commit(lambda: _window_to_gate(coupon_id=coupon_id, starts_at=starts_at, ends_at=ends_at))
    return drop


def _window_to_gate(*, coupon_id: int, starts_at: datetime, ends_at: datetime | None) -> None:
    try:
        gate.gate_window_set(coupon_id=coupon_id, starts_at=starts_at, ends_at=ends_at)
    except gate.GateUnavailable:
        # Nothing is deleted: a winner still checks the stored window, so this gate can only refuse
        # too much (COUPON_NOT_ISSUABLE) until the next save or a rebuild (docs/runbook.md, Redis down).
        logger.warning("coupon %s: Redis did not answer; its gate keeps its old issue window", coupon_id)
