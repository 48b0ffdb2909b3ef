"""The gate and the database backstop, with real failures (no patched functions)."""

import pytest
from django.core.management import call_command
from django.db.models import F
from django_redis import get_redis_connection

from core.errors import InvalidUser
from coupons.errors import CouponAlreadyIssued, CouponSoldOut
from coupons.gate import issued_key, remaining_key
from coupons.models import CouponDrop, UserCoupon
from coupons.services.issue import coupon_issue
from coupons.services.rebuild import coupon_gate_rebuild
from tests.support.factories import CouponDropFactory, give_coupon, make_users
from tests.support.network import caches_at_closed_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis():
    return get_redis_connection("default")


def gate_of(redis, drop):
    remaining = redis.get(remaining_key(drop.pk))
    return (None if remaining is None else int(remaining)), {int(u) for u in redis.smembers(issued_key(drop.pk))}


def test_missing_gate_is_readied_lazily_from_the_database(redis, user, other_user):
    drop = CouponDropFactory(total_quantity=5)
    give_coupon(other_user, drop)
    CouponDrop.objects.filter(pk=drop.pk).update(issued_count=1)
    assert gate_of(redis, drop) == (None, set())
    coupon_issue(user_id=user.pk, coupon_id=drop.pk)
    assert gate_of(redis, drop) == (3, {user.pk, other_user.pk})
    with pytest.raises(CouponAlreadyIssued):  # the rebuilt set knows the earlier holder
        coupon_issue(user_id=other_user.pk, coupon_id=drop.pk)


def test_database_sold_out_after_the_redis_decrement_is_undone(redis, user):
    """Redis still says 5 left, the database has none: the backstop refuses and the gate closes."""
    drop = CouponDropFactory(total_quantity=5)
    coupon_gate_rebuild(coupon_id=drop.pk)
    CouponDrop.objects.filter(pk=drop.pk).update(issued_count=F("total_quantity"))
    with pytest.raises(CouponSoldOut):
        coupon_issue(user_id=user.pk, coupon_id=drop.pk)
    assert not UserCoupon.objects.exists()  # no phantom issue
    assert gate_of(redis, drop) == (0, set())  # user forgotten, gate closed like the database


def test_unique_violation_after_the_redis_decrement_heals_the_gate(redis, user):
    """The gate was rebuilt while this user's issue was still uncommitted, so it neither counts
    nor knows it. The database refuses the second coupon; the gate ends up agreeing with it."""
    drop = CouponDropFactory(total_quantity=5)
    coupon_gate_rebuild(coupon_id=drop.pk)
    held = give_coupon(user, drop)  # the issue the rebuild did not see
    CouponDrop.objects.filter(pk=drop.pk).update(issued_count=1)
    assert gate_of(redis, drop) == (5, set())
    with pytest.raises(CouponAlreadyIssued):
        coupon_issue(user_id=user.pk, coupon_id=drop.pk)
    assert list(UserCoupon.objects.values_list("pk", flat=True)) == [held.pk]  # no phantom issue
    drop.refresh_from_db()
    assert drop.issued_count == 1
    assert gate_of(redis, drop) == (4, {user.pk})  # = total − issued, and the holder is known


@pytest.mark.django_db(transaction=True)
def test_other_database_failure_after_the_redis_decrement_is_undone(redis, user):
    """A user id that does not exist fails the (deferred) foreign key at commit."""
    drop = CouponDropFactory(total_quantity=5)
    coupon_gate_rebuild(coupon_id=drop.pk)
    with pytest.raises(InvalidUser):
        coupon_issue(user_id=987654321, coupon_id=drop.pk)
    drop.refresh_from_db()
    assert drop.issued_count == 0 and not UserCoupon.objects.exists()
    assert gate_of(redis, drop) == (5, set())
    coupon_issue(user_id=user.pk, coupon_id=drop.pk)
    assert gate_of(redis, drop) == (4, {user.pk})


def test_rebuild_command_all_drops_and_one(redis, user, other_user, capsys):
    first = CouponDropFactory(total_quantity=3)
    second = CouponDropFactory(total_quantity=2)
    coupon_issue(user_id=user.pk, coupon_id=first.pk)
    coupon_issue(user_id=other_user.pk, coupon_id=second.pk)
    redis.set(remaining_key(first.pk), 99)
    redis.delete(issued_key(first.pk), remaining_key(second.pk))
    call_command("coupons_rebuild_gate", "--coupon", str(second.pk))
    assert gate_of(redis, second) == (1, {other_user.pk})
    assert gate_of(redis, first) == (99, set())
    call_command("coupons_rebuild_gate")
    assert gate_of(redis, first) == (2, {user.pk})
    assert "remaining 2" in capsys.readouterr().out


def test_rebuild_command_unknown_coupon_fails(redis):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("coupons_rebuild_gate", "--coupon", "987654321")


def test_issued_set_is_built_in_chunks_for_big_drops(redis):

    drop = CouponDropFactory(total_quantity=3000)
    users = make_users(2500, prefix="chunk")
    UserCoupon.objects.bulk_create(
        [
            UserCoupon(user=u, coupon=drop, issued_at=drop.issue_starts_at, expires_at=drop.issue_starts_at)
            for u in users
        ]
    )
    CouponDrop.objects.filter(pk=drop.pk).update(issued_count=2500)
    state = coupon_gate_rebuild(coupon_id=drop.pk)
    assert (state.remaining, state.issued) == (500, 2500)
    remaining, members = gate_of(redis, drop)
    assert remaining == 500 and members == {u.pk for u in users}


def test_rebuild_command_reports_redis_down(redis_down):
    from django.core.management.base import CommandError

    drop = CouponDropFactory()
    with pytest.raises(CommandError, match="Redis"):
        call_command("coupons_rebuild_gate", "--coupon", str(drop.pk))


def test_a_drop_saved_while_redis_is_down_gets_its_gate_on_first_issue(redis, settings, user):
    from coupons.services.drops import coupon_drop_create

    original = settings.CACHES
    settings.CACHES = caches_at_closed_port(original)
    drop = coupon_drop_create(
        name="오프라인 저장", discount_type="FIXED", discount_value=1000, total_quantity=3, valid_days=1
    )
    settings.CACHES = original
    assert gate_of(redis, drop) == (None, set())
    coupon_issue(user_id=user.pk, coupon_id=drop.pk)
    assert gate_of(redis, drop) == (2, {user.pk})
