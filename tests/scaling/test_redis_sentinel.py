"""Redis under a real three-Sentinel set: the master is killed in the middle of a 200-shopper race
for 50 coupons. Nothing is over-issued, the shoppers caught in the failover are told 503 (the gate
fails closed), and once a replica is promoted issuing resumes; a new master that lacks the gate's
keys has them rebuilt from PostgreSQL."""

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from copy import deepcopy

import pytest
import redis
from django.db import connection
from django_redis import get_redis_connection

from config.settings.redis_urls import sentinel_location
from core.errors import ServiceUnavailable
from coupons.errors import CouponAlreadyIssued, CouponSoldOut
from coupons.gate import remaining_key
from coupons.models import CouponDrop, UserCoupon
from coupons.services.issue import coupon_issue
from tests.support.factories import CouponDropFactory, make_users
from tests.support.servers import ROOT

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 16
SHOPPERS, COUPONS = 200, 50


def _sentinel_caches(caches: dict, sentinels: list[tuple[str, int]], master: str) -> dict:
    """The test cache settings, pointed at the Sentinel set the way production settings do it."""
    caches = deepcopy(caches)
    options = caches["default"]["OPTIONS"]
    caches["default"]["LOCATION"] = sentinel_location(caches["default"]["LOCATION"], master)
    options["CONNECTION_FACTORY"] = "django_redis.pool.SentinelConnectionFactory"
    options["SENTINELS"] = sentinels
    options["SENTINEL_KWARGS"] = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
    return caches


def _issue(user_id: int, coupon_id: int) -> str:
    try:
        coupon_issue(user_id=user_id, coupon_id=coupon_id)
        return "issued"
    except CouponSoldOut:
        return "sold_out"
    except CouponAlreadyIssued:
        return "already"
    except ServiceUnavailable:
        return "503"


def test_master_killed_mid_race_never_over_issues_and_issuing_resumes_after_promotion(sentinel_set, settings):
    sentinels = [("127.0.0.1", port) for port in sentinel_set.sentinel_ports]
    settings.CACHES = _sentinel_caches(settings.CACHES, sentinels, sentinel_set.master_name)
    users = make_users(SHOPPERS, prefix="sentinel")
    drop = CouponDropFactory(total_quantity=COUPONS)
    old_master = sentinel_set.master_port()

    outcomes: dict[int, str] = {}
    barrier = threading.Barrier(WORKERS + 1)
    killed = threading.Event()

    def shopper(mine):
        try:
            barrier.wait()
            for user in mine:
                outcomes[user.pk] = _issue(user.pk, drop.pk)
                time.sleep(0.01)  # shoppers keep arriving while the master dies
        finally:
            connection.close()

    threads = [threading.Thread(target=shopper, args=(users[i::WORKERS],)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    deadline = time.monotonic() + 30
    while UserCoupon.objects.filter(coupon=drop).count() < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    sentinel_set.kill_master()
    killed.set()
    for thread in threads:
        thread.join()

    counts = Counter(outcomes.values())
    assert killed.is_set()
    assert counts["503"] > 0, counts  # the race really ran into the dead master
    assert set(counts) <= {"issued", "sold_out", "already", "503"}
    assert UserCoupon.objects.filter(coupon=drop).count() <= COUPONS

    new_master = sentinel_set.wait_failover(old_master)
    assert new_master != old_master

    # After promotion, wipe the gate on the new master as a replica that had not synced would lack
    # it: the next issue rebuilds it from PostgreSQL.
    get_redis_connection("default").delete(remaining_key(drop.pk))
    pending = [pk for pk, outcome in outcomes.items() if outcome == "503"]
    wanting = len(pending) + counts["issued"]
    deadline = time.monotonic() + 30
    while pending and time.monotonic() < deadline:
        still = []
        for pk in pending:
            outcome = _issue(pk, drop.pk)
            if outcome == "503":
                still.append(pk)
            else:
                outcomes[pk] = outcome
        pending = still
        if pending:
            time.sleep(0.2)
    retried = pending
    assert not retried, "some shoppers still got 503 after the promotion"

    drop.refresh_from_db()
    holders = set(UserCoupon.objects.filter(coupon=drop).values_list("user_id", flat=True))
    assert drop.issued_count == len(holders) <= COUPONS
    assert {pk for pk, outcome in outcomes.items() if outcome == "issued"} == holders
    # issuing resumed: every shopper still in the game got a coupon until the drop was gone
    assert len(holders) == min(COUPONS, wanting)
    remaining = int(get_redis_connection("default").get(remaining_key(drop.pk)))
    assert remaining == CouponDrop.objects.get(pk=drop.pk).total_quantity - len(holders)


PROBE = """
import django, kombu
django.setup()
from django.core.cache import cache
from config.celery import app
cache.set("sentinel-probe", "cache-ok", 60)
with app.connection_for_write() as conn:
    conn.ensure_connection(max_retries=3)
    queue = kombu.Queue("sentinel-probe", routing_key="sentinel-probe")
    with conn.Producer() as producer:
        producer.publish({"probe": 1}, routing_key="sentinel-probe", declare=[queue])
print(cache.get("sentinel-probe"))
"""


def test_production_settings_send_cache_and_broker_to_the_master_sentinel_names(sentinel_set):
    """With REDIS_SENTINELS set, the cache (and so the gate, throttles and pins) and Celery's broker
    are found through the Sentinels: the keys land on the master they name."""
    master = sentinel_set.master_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "REDIS_URL": "redis://127.0.0.1:1/3",  # nothing listens there: only the Sentinels can help
        "REDIS_SENTINELS": sentinel_set.sentinels,
        "REDIS_SENTINEL_MASTER": sentinel_set.master_name,
        "CACHE_KEY_PREFIX": "probe",
    }
    env.pop("CELERY_BROKER_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("cache-ok")
    on_master = redis.Redis(host="127.0.0.1", port=master, db=3)
    assert on_master.exists("probe:1:sentinel-probe")
    assert on_master.llen("sentinel-probe") == 1
