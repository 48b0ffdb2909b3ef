"""Demo coupon drops for a local run. Idempotent by name: an existing drop is left as it is."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from coupons.models import CouponDrop
from coupons.services.drops import coupon_drop_create

DEMO_DROPS: list[dict[str, Any]] = [
    dict(
        name="[데모] 첫 구매 3,000원 할인",
        discount_type="FIXED",
        discount_value=3000,
        total_quantity=100,
        valid_days=14,
        min_order_amount=10_000,
    ),
    dict(
        name="[데모] 반짝 10% 할인 (최대 5,000원)",
        discount_type="PERCENT",
        discount_value=10,
        max_discount_amount=5000,
        total_quantity=50,
        valid_days=7,
    ),
    dict(
        name="[데모] 선착순 20% 할인 (최대 20,000원)",
        discount_type="PERCENT",
        discount_value=20,
        max_discount_amount=20_000,
        min_order_amount=50_000,
        total_quantity=10,
        valid_days=3,
    ),
]


def load_demo_coupons() -> int:
    """Creates the demo drops that are missing; returns how many were created."""
    created = 0
    starts = timezone.now() - timedelta(minutes=1)
    for fields in DEMO_DROPS:
        if CouponDrop.objects.filter(name=fields["name"]).exists():
            continue
        coupon_drop_create(**fields, issue_starts_at=starts)
        created += 1
    return created
