from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from coupons.models import CouponDrop, DiscountType, UserCoupon


class CouponDropFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CouponDrop

    name = factory.Sequence(lambda n: f"선착순 쿠폰 {n}")
    discount_type = DiscountType.FIXED
    discount_value = 3000
    total_quantity = 100
    issue_starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    issue_ends_at = None
    valid_days = 7


def make_users(n: int, prefix: str = "racer"):
    """Many users fast: one INSERT, no password hashing."""
    User = get_user_model()
    User.objects.bulk_create([User(username=f"{prefix}{i:05d}", password="!") for i in range(n)])
    return list(User.objects.filter(username__startswith=prefix).order_by("pk"))


def give_coupon(user, drop, *, days: int = 7, **fields) -> UserCoupon:
    """A user coupon written directly (test setup), bypassing the gate."""
    now = timezone.now()
    return UserCoupon.objects.create(
        user=user, coupon=drop, issued_at=now, expires_at=now + timedelta(days=days), **fields
    )
