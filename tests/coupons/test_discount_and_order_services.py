from datetime import timedelta
from functools import partial

import pytest
from django.db import transaction
from django.utils import timezone

from coupons.errors import InvalidCoupon
from coupons.models import DiscountType, UserCoupon, UserCouponStatus
from coupons.selectors import coupon_summaries, usable_coupons, user_coupon_status
from coupons.services.discount import coupon_discount
from coupons.services.orders import user_coupon_lock, user_coupon_restore, user_coupon_use
from tests.support.concurrency import run_concurrently
from tests.support.factories import CouponDropFactory, give_coupon


@pytest.mark.parametrize(
    "kind, value, cap, total, expected",
    [
        ("FIXED", 3000, None, 10_000, 3000),
        ("FIXED", 3000, None, 2_000, 2000),  # capped at the total
        ("FIXED", 3000, 1000, 10_000, 1000),  # capped by the maximum
        ("PERCENT", 10, None, 12_345, 1234),  # floored
        ("PERCENT", 15, None, 999, 149),  # 149.85 floored
        ("PERCENT", 33, 2000, 100_000, 2000),  # capped by the maximum
        ("PERCENT", 100, None, 5_000, 5000),
        ("PERCENT", 1, None, 99, 0),
        ("PERCENT", 7, None, 10**15 + 1, (10**15 + 1) * 7 // 100),  # big integers, no float error
        ("FIXED", 500, None, 0, 0),
    ],
)
def test_coupon_discount(kind, value, cap, total, expected):
    got = coupon_discount(discount_type=kind, discount_value=value, max_discount_amount=cap, order_total=total)
    assert got == expected
    assert isinstance(got, int)


pytestmark = pytest.mark.django_db


def test_lock_prices_an_owned_available_coupon(user):
    drop = CouponDropFactory(discount_type=DiscountType.PERCENT, discount_value=10, max_discount_amount=5000)
    held = give_coupon(user, drop)
    with transaction.atomic():
        use = user_coupon_lock(user_id=user.pk, coupon_id=drop.pk, order_total=80_000)
    assert (use.user_coupon_id, use.coupon_id, use.discount) == (held.pk, drop.pk, 5000)


def test_lock_refuses_not_owned_used_expired_and_below_minimum(user, other_user):
    drop = CouponDropFactory(min_order_amount=20_000)
    give_coupon(other_user, drop)
    with pytest.raises(InvalidCoupon), transaction.atomic():
        user_coupon_lock(user_id=user.pk, coupon_id=drop.pk, order_total=50_000)  # not owned
    held = give_coupon(user, drop)
    with pytest.raises(InvalidCoupon), transaction.atomic():
        user_coupon_lock(user_id=user.pk, coupon_id=drop.pk, order_total=19_999)  # below minimum
    with transaction.atomic():
        assert user_coupon_lock(user_id=user.pk, coupon_id=drop.pk, order_total=20_000).discount == 3000
    UserCoupon.objects.filter(pk=held.pk).update(status=UserCouponStatus.USED, used_at=timezone.now(), order_id=1)
    with pytest.raises(InvalidCoupon), transaction.atomic():
        user_coupon_lock(user_id=user.pk, coupon_id=drop.pk, order_total=50_000)  # used
    expired_drop = CouponDropFactory()
    give_coupon(user, expired_drop, days=-1)
    with pytest.raises(InvalidCoupon) as exc, transaction.atomic():
        user_coupon_lock(user_id=user.pk, coupon_id=expired_drop.pk, order_total=50_000)
    assert exc.value.code == "INVALID_COUPON" and exc.value.status == 409 and exc.value.title == "유효하지 않은 쿠폰"


def test_use_then_restore(user):
    drop = CouponDropFactory()
    held = give_coupon(user, drop)
    with transaction.atomic():
        user_coupon_use(user_coupon_id=held.pk, order_id=77)
    held.refresh_from_db()
    assert (held.status, held.order_id) == ("USED", 77) and held.used_at is not None
    with pytest.raises(InvalidCoupon), transaction.atomic():
        user_coupon_use(user_coupon_id=held.pk, order_id=78)  # at most once
    assert user_coupon_restore(user_coupon_id=held.pk) is True
    held.refresh_from_db()
    assert (held.status, held.order_id, held.used_at) == ("AVAILABLE", None, None)
    assert user_coupon_restore(user_coupon_id=held.pk) is False  # not USED any more


def test_use_refuses_expired_and_restore_skips_expired(user):
    drop = CouponDropFactory()
    held = give_coupon(user, drop, days=-1)
    with pytest.raises(InvalidCoupon), transaction.atomic():
        user_coupon_use(user_coupon_id=held.pk, order_id=1)
    assert user_coupon_status(held) == "EXPIRED"
    used_then_expired = give_coupon(
        user, CouponDropFactory(), days=-1, status="USED", used_at=timezone.now(), order_id=5
    )
    assert user_coupon_restore(user_coupon_id=used_then_expired.pk) is False
    used_then_expired.refresh_from_db()
    assert used_then_expired.status == "USED"


def test_usable_coupons_previews_discount(user):
    fixed = CouponDropFactory(discount_value=2000)
    percent = CouponDropFactory(discount_type=DiscountType.PERCENT, discount_value=20)
    too_big = CouponDropFactory(min_order_amount=1_000_000)
    give_coupon(user, fixed)
    give_coupon(user, percent)
    give_coupon(user, too_big)
    give_coupon(user, CouponDropFactory(), days=-1)
    got = usable_coupons(user_id=user.pk, order_total=30_000)
    assert [(c.coupon_id, c.discount) for c in got] == [(percent.pk, 6000), (fixed.pk, 2000)]


@pytest.mark.django_db(transaction=True)
def test_one_user_coupon_used_by_ten_concurrent_transactions(user):
    drop = CouponDropFactory()
    held = give_coupon(user, drop)

    def place(order_id: int) -> str:
        try:
            with transaction.atomic():
                use = user_coupon_lock(user_id=user.pk, coupon_id=drop.pk, order_total=10_000)
                user_coupon_use(user_coupon_id=use.user_coupon_id, order_id=order_id)
            return "used"
        except InvalidCoupon:
            return "invalid"

    outcomes = run_concurrently([partial(place, i + 1) for i in range(10)])
    assert sorted(outcomes) == ["invalid"] * 9 + ["used"]
    held.refresh_from_db()
    assert held.status == "USED" and 1 <= held.order_id <= 10
    assert held.expires_at > timezone.now() - timedelta(seconds=1)


def test_coupon_summaries_names_by_id():
    first, second = CouponDropFactory(name="가"), CouponDropFactory(name="나")
    assert coupon_summaries(coupon_ids=[first.pk, second.pk, 987654321]) == {first.pk: "가", second.pk: "나"}
    assert coupon_summaries(coupon_ids=[]) == {}


@pytest.mark.django_db(transaction=True)
def test_lock_needs_the_callers_transaction(user):
    from django.db.transaction import TransactionManagementError

    drop = CouponDropFactory()
    give_coupon(user, drop)
    with pytest.raises(TransactionManagementError):
        user_coupon_lock(user_id=user.pk, coupon_id=drop.pk, order_total=10_000)
