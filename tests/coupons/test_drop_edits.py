"""A staff edit of a drop's issue window applies to the very next issue, in the process that saved
it and in a worker process that had read the drop before the edit: the window lives in the Redis
gate (coupons.gate). Real PostgreSQL and Redis; the other worker is a real process."""

import logging
import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from functools import partial

import pytest
from django.db import connection
from django.utils import timezone
from django_redis import get_redis_connection

from coupons.errors import CouponNotIssuable, CouponSoldOut
from coupons.gate import issued_key, micros, remaining_key, window_key
from coupons.models import CouponDrop, UserCoupon
from coupons.services.drops import coupon_drop_save
from coupons.services.issue import coupon_issue
from tests.support.api import assert_problem
from tests.support.builders import make_drop
from tests.support.concurrency import run_concurrently
from tests.support.factories import make_users
from tests.support.network import caches_at_closed_port
from tests.support.paths import ROOT

pytestmark = pytest.mark.django_db(transaction=True)  # the other process sees only committed rows

# A worker that issues the drop `argv[1]` to each user id read from stdin and answers, one line per
# request, ISSUED or the error code. It keeps running between requests, as a web worker does.
WORKER = """
import sys

import django

django.setup()
from coupons.services.issue import coupon_issue

for line in sys.stdin:
    try:
        coupon_issue(user_id=int(line), coupon_id=int(sys.argv[1]))
        print("ISSUED", flush=True)
    except Exception as exc:
        print(getattr(exc, "code", type(exc).__name__), flush=True)
"""


def _edit_window(admin, drop, *, starts_at) -> None:
    """Saves the drop through its admin change form with a new issue start (the rest unchanged)."""
    starts_at = timezone.localtime(starts_at)
    response = admin.post(
        f"/admin/coupons/coupondrop/{drop.pk}/change/",
        {
            "name": drop.name,
            "discount_type": drop.discount_type,
            "discount_value": str(drop.discount_value),
            "max_discount_amount": "",
            "min_order_amount": "",
            "total_quantity": str(drop.total_quantity),
            "issue_starts_at_0": starts_at.strftime("%Y-%m-%d"),
            "issue_starts_at_1": starts_at.strftime("%H:%M:%S"),
            "issue_ends_at_0": "",
            "issue_ends_at_1": "",
            "valid_days": str(drop.valid_days),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def _issue(client_for, user, drop):
    return client_for(user).post("/api/coupon/issue", {"userId": user.pk, "couponId": drop.pk}, format="json")


def test_an_admin_edit_of_the_window_applies_to_the_next_issue(superuser_client, client_for, user, other_user):
    drop = make_drop(total_quantity=10)
    assert _issue(client_for, user, drop).status_code == 201  # this process has read the open drop

    _edit_window(superuser_client, drop, starts_at=timezone.now() + timedelta(hours=1))
    assert_problem(_issue(client_for, other_user, drop), 409, "COUPON_NOT_ISSUABLE")

    _edit_window(superuser_client, drop, starts_at=timezone.now() - timedelta(minutes=1))
    assert _issue(client_for, other_user, drop).status_code == 201


@pytest.fixture
def worker():
    """Starts the WORKER process for a drop; yields a function sending it one user id."""
    db = connection.settings_dict
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    )
    started = []

    def start(drop):
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(drop.pk)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(proc)

        def issue(user) -> str:
            proc.stdin.write(f"{user.pk}\n")
            proc.stdin.flush()
            return proc.stdout.readline().strip()

        return issue

    yield start
    for proc in started:
        proc.stdin.close()
        proc.wait(timeout=30)


def test_a_worker_that_read_the_drop_applies_an_edit_saved_elsewhere_at_once(
    superuser_client, worker, user, other_user
):
    drop = make_drop(total_quantity=10)
    issue_in_worker = worker(drop)
    assert issue_in_worker(user) == "ISSUED"  # the worker has read the open drop

    _edit_window(superuser_client, drop, starts_at=timezone.now() + timedelta(hours=1))  # saved in this process
    assert issue_in_worker(other_user) == "COUPON_NOT_ISSUABLE"

    _edit_window(superuser_client, drop, starts_at=timezone.now() - timedelta(minutes=1))
    assert issue_in_worker(other_user) == "ISSUED"


def test_a_window_moved_into_the_future_after_some_issues_refuses_at_once_in_another_process(
    superuser_client, worker, other_user
):
    drop = make_drop(total_quantity=10)
    shoppers = make_users(3, prefix="early")
    issue_in_worker = worker(drop)
    assert [issue_in_worker(u) for u in shoppers] == ["ISSUED"] * 3

    _edit_window(superuser_client, drop, starts_at=timezone.now() + timedelta(hours=1))
    assert issue_in_worker(other_user) == "COUPON_NOT_ISSUABLE"
    assert CouponDrop.objects.get(pk=drop.pk).issued_count == 3
    assert int(get_redis_connection("default").get(remaining_key(drop.pk))) == 7


def test_a_refusal_outside_the_window_reads_no_row(user, django_assert_num_queries):
    drop = make_drop(issue_starts_at=timezone.now() + timedelta(hours=1))
    with django_assert_num_queries(0), pytest.raises(CouponNotIssuable):
        coupon_issue(user_id=user.pk, coupon_id=drop.pk)


def test_the_gate_rebuilt_after_a_flush_carries_the_window(user):
    starts_at = timezone.now() + timedelta(hours=1)
    drop = make_drop(issue_starts_at=starts_at)
    redis = get_redis_connection("default")
    redis.flushdb()

    with pytest.raises(CouponNotIssuable):
        coupon_issue(user_id=user.pk, coupon_id=drop.pk)  # the gate is rebuilt from PostgreSQL first
    assert redis.get(window_key(drop.pk)) == f"{micros(drop.issue_starts_at)}:".encode()
    assert int(redis.get(remaining_key(drop.pk))) == 100
    assert not UserCoupon.objects.exists()


def test_a_gate_with_an_old_window_never_issues_outside_the_stored_one(user):
    drop = make_drop(total_quantity=5)
    # The edit committed but its window never reached the gate (Redis did not answer then).
    CouponDrop.objects.filter(pk=drop.pk).update(issue_starts_at=timezone.now() + timedelta(hours=1))

    with pytest.raises(CouponNotIssuable):
        coupon_issue(user_id=user.pk, coupon_id=drop.pk)
    assert not UserCoupon.objects.exists()
    redis = get_redis_connection("default")
    assert int(redis.get(remaining_key(drop.pk))) == 5 and not redis.smembers(issued_key(drop.pk))  # given back


def test_a_save_that_cannot_reach_redis_logs_a_warning_and_deletes_nothing(settings, caplog):
    drop = make_drop()
    redis = get_redis_connection("default")
    window = redis.get(window_key(drop.pk))
    working = settings.CACHES
    settings.CACHES = caches_at_closed_port(working)
    drop.issue_starts_at = timezone.now() + timedelta(hours=1)
    with caplog.at_level(logging.WARNING, logger="coupons.services.drops"):
        coupon_drop_save(drop=drop)  # committed at once here: the window update runs and fails
    settings.CACHES = working

    assert "keeps its old issue window" in caplog.text
    redis = get_redis_connection("default")
    assert redis.get(window_key(drop.pk)) == window and redis.exists(remaining_key(drop.pk))


def test_two_hundred_threads_for_fifty_coupons_after_the_window_opens(superuser_client):
    drop = make_drop(total_quantity=50, issue_starts_at=timezone.now() + timedelta(hours=1))
    users = make_users(200, prefix="opening")
    with pytest.raises(CouponNotIssuable):
        coupon_issue(user_id=users[0].pk, coupon_id=drop.pk)
    _edit_window(superuser_client, drop, starts_at=timezone.now() - timedelta(seconds=1))  # the window in place

    def attempt(user_id):
        try:
            coupon_issue(user_id=user_id, coupon_id=drop.pk)
        except CouponSoldOut:
            return "sold_out"
        return "issued"

    outcomes = run_concurrently([partial(attempt, u.pk) for u in users], workers=16)

    assert Counter(outcomes) == {"issued": 50, "sold_out": 150}
    assert CouponDrop.objects.get(pk=drop.pk).issued_count == 50
    holders = set(UserCoupon.objects.filter(coupon=drop).values_list("user_id", flat=True))
    assert len(holders) == 50
    redis = get_redis_connection("default")
    assert int(redis.get(remaining_key(drop.pk))) == 0
    assert {int(u) for u in redis.smembers(issued_key(drop.pk))} == holders
