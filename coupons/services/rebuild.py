"""The Redis gate of a drop, rebuilt from PostgreSQL (the truth) when it is missing or after a save."""

import contextlib
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef

from coupons import gate
from coupons.errors import CouponNotFound
from coupons.models import CouponDrop, UserCoupon


@dataclass(frozen=True)
class GateState:
    coupon_id: int
    remaining: int
    issued: int


def coupon_gate_rebuild(*, coupon_id: int) -> GateState:
    """Rebuilds a drop's gate from the database: remaining = total − issued_count, issued set =
    the users holding one, and the issue window. Read in one statement so all come from the same
    snapshot."""
    row = (
        CouponDrop.objects.filter(pk=coupon_id)
        .annotate(user_ids=ArraySubquery(UserCoupon.objects.filter(coupon_id=OuterRef("pk")).values("user_id")))
        .values("total_quantity", "issued_count", "user_ids", "issue_starts_at", "issue_ends_at")
        .first()
    )
    if row is None:
        gate.gate_clear(coupon_id=coupon_id)
        raise CouponNotFound()
    remaining = row["total_quantity"] - row["issued_count"]
    gate.gate_write(
        coupon_id=coupon_id,
        remaining=remaining,
        user_ids=row["user_ids"],
        starts_at=row["issue_starts_at"],
        ends_at=row["issue_ends_at"],
    )
    return GateState(coupon_id=coupon_id, remaining=remaining, issued=row["issued_count"])


def coupon_gate_ready_quietly(*, coupon_id: int) -> None:
    """Readies the gate after a save; if Redis is down now, the first issue readies it lazily."""
    with contextlib.suppress(gate.GateUnavailable):
        coupon_gate_rebuild(coupon_id=coupon_id)


def gate_ready(coupon_id: int) -> None:
    """A missing gate is rebuilt by exactly one process (SET NX lock); the others wait for it."""
    if gate.gate_lock(coupon_id=coupon_id):
        try:
            # Someone may have published it between our NOT_READY and the lock; rebuilding again
            # would erase reservations whose transactions have not committed yet.
            if not gate.gate_exists(coupon_id=coupon_id):
                coupon_gate_rebuild(coupon_id=coupon_id)
        finally:
            gate.gate_unlock(coupon_id=coupon_id)
    else:
        gate.gate_wait_ready(coupon_id=coupon_id)
