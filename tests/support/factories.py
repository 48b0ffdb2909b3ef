"""factory_boy factories, and setup written straight to the database (no services, no Redis
gate) for tests that need a state the services would not produce."""

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from coupons.models import CouponDrop, DiscountType, UserCoupon

PASSWORD = "pw-Test-1234!"  # every factory-made user's password


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:05d}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    username = factory.Sequence(lambda n: f"staff{n:05d}")
    is_staff = True


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "products.Product"

    name = factory.Sequence(lambda n: f"테스트 상품 {n:05d}")
    description = "설명"
    price = 10_000
    stock = 100
    active = True


class CouponDropFactory(factory.django.DjangoModelFactory):
    """A drop saved as a row only: its Redis gate is built on first issue (or by the test)."""

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
    """A user coupon written directly (test setup), bypassing the gate; `issue_coupon` in
    `builders` goes through it."""
    now = timezone.now()
    return UserCoupon.objects.create(
        user=user, coupon=drop, issued_at=now, expires_at=now + timedelta(days=days), **fields
    )
