"""Real threads against the real PostgreSQL and Redis, started together, invariants checked after."""

import time
from collections import Counter
from functools import partial

import pytest
from django_redis import get_redis_connection

from coupons.errors import CouponAlreadyIssued, CouponSoldOut
from coupons.gate import issued_key, remaining_key
from coupons.models import CouponDrop, UserCoupon
from coupons.services.issue import coupon_issue
from coupons.services.rebuild import coupon_gate_rebuild
from tests.support.api import client_of
from tests.support.concurrency import run_concurrently
from tests.support.factories import CouponDropFactory, make_users

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 16  # below the per-process connection pool size


def race(users, drop, *, on_progress=None):
    """WORKERS threads share the users and issue all at once; returns the outcome per user."""
    outcomes: dict[int, str] = {}

    def work(mine):
        for u in mine:
            try:
                coupon_issue(user_id=u.pk, coupon_id=drop.pk)
                outcomes[u.pk] = "issued"
            except CouponSoldOut:
                outcomes[u.pk] = "sold_out"
            except CouponAlreadyIssued:
                outcomes[u.pk] = "already"

    slices = [users[i::WORKERS] for i in range(WORKERS)]
    errors = [r for r in run_concurrently([partial(work, s) for s in slices], while_running=on_progress) if r]
    if errors:  # an unexpected error in a thread fails the test rather than leaving users unrecorded
        raise errors[0]
    return outcomes


def test_thousand_users_race_for_a_hundred_coupons():
    users = make_users(1000)
    drop = CouponDropFactory(total_quantity=100)
    coupon_gate_rebuild(coupon_id=drop.pk)

    outcomes = race(users, drop)

    assert Counter(outcomes.values()) == {"issued": 100, "sold_out": 900}
    drop.refresh_from_db()
    assert drop.issued_count == 100
    holders = set(UserCoupon.objects.filter(coupon=drop).values_list("user_id", flat=True))
    assert holders == {uid for uid, o in outcomes.items() if o == "issued"}
    redis = get_redis_connection("default")
    assert int(redis.get(remaining_key(drop.pk))) == 0
    assert {int(u) for u in redis.smembers(issued_key(drop.pk))} == holders


def test_redis_flushed_mid_race_never_over_issues_and_rebuild_agrees():
    users = make_users(400, prefix="flush")
    drop = CouponDropFactory(total_quantity=100)
    coupon_gate_rebuild(coupon_id=drop.pk)
    redis = get_redis_connection("default")
    at_flush: list[int] = []

    def flush_when_busy():
        deadline = time.monotonic() + 10
        while UserCoupon.objects.filter(coupon=drop).count() < 20 and time.monotonic() < deadline:
            time.sleep(0.001)
        redis.flushdb()  # the test Redis database only (config.settings.test)
        at_flush.append(CouponDrop.objects.get(pk=drop.pk).issued_count)

    outcomes = race(users, drop, on_progress=flush_when_busy)
    assert 20 <= at_flush[0] < 100, at_flush  # the flush really landed mid-race

    issued = UserCoupon.objects.filter(coupon=drop).count()
    drop.refresh_from_db()
    assert issued == drop.issued_count <= 100
    assert sum(o == "issued" for o in outcomes.values()) == issued
    state = coupon_gate_rebuild(coupon_id=drop.pk)
    assert state.remaining == 100 - issued and state.issued == issued
    assert int(redis.get(remaining_key(drop.pk))) == 100 - issued
    assert {int(u) for u in redis.smembers(issued_key(drop.pk))} == set(
        UserCoupon.objects.filter(coupon=drop).values_list("user_id", flat=True)
    )


def api_race(clients_and_bodies):
    def send(client, body):
        response = client.post("/api/coupon/issue", body, format="json")
        return (response.status_code, response.json().get("code"))

    return run_concurrently([partial(send, c, b) for c, b in clients_and_bodies])


def test_one_user_fifty_concurrent_requests_get_exactly_one_coupon():
    (user,) = make_users(1, prefix="eager")
    drop = CouponDropFactory(total_quantity=100)
    body = {"userId": user.pk, "couponId": drop.pk}

    results = api_race([(client_of(user), body) for _ in range(50)])

    counts = Counter(results)
    assert counts[(201, None)] == 1, counts
    assert set(counts) - {(201, None)} <= {(409, "COUPON_ALREADY_ISSUED"), (429, "RATE_LIMITED")}, counts
    assert UserCoupon.objects.filter(user=user).count() == 1
    drop.refresh_from_db()
    assert drop.issued_count == 1
    assert int(get_redis_connection("default").get(remaining_key(drop.pk))) == 99


def test_api_race_of_distinct_users_issues_exactly_the_quantity():
    users = make_users(60, prefix="apirace")
    drop = CouponDropFactory(total_quantity=20)

    results = api_race([(client_of(u), {"userId": u.pk, "couponId": drop.pk}) for u in users])

    assert Counter(results) == {(201, None): 20, (409, "COUPON_SOLD_OUT"): 40}
    assert CouponDrop.objects.get(pk=drop.pk).issued_count == 20
    assert UserCoupon.objects.filter(coupon=drop).count() == 20
