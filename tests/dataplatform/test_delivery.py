"""End to end: the outbox row is written in the caller's transaction, a real Celery worker delivers
it to a real local HTTP receiver, and the sweep finds whatever was left behind."""

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_redis import get_redis_connection

from config.celery import app
from dataplatform.models import OutboxEvent
from dataplatform.services import attempting, emitting, publishing, signing, sweeping
from dataplatform.tasks import sweep_outbox
from tests.support.builders import order_body
from tests.support.concurrency import wait_for
from tests.support.network import free_port

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def place_order(**order_kwargs) -> OutboxEvent:
    """What the orders code does: the event is written inside its durable transaction."""
    order = order_body(**order_kwargs)
    with transaction.atomic(durable=True):
        return emitting.event_emit(
            event_type="order.paid", aggregate_id=order["orderId"], order=order, occurred_at=timezone.now()
        )


def status_of(event: OutboxEvent) -> str:
    event.refresh_from_db()
    return event.status


def lease_lapsed(event: OutboxEvent) -> bool:
    event.refresh_from_db()
    return event.leased_until is not None and event.leased_until <= timezone.now()


def test_503s_then_200_is_delivered_with_every_attempt_recorded(dp_settings, receiver, celery_worker):
    receiver.statuses = [503, 503]

    event = place_order()

    wait_for(lambda: status_of(event) == OutboxEvent.Status.DELIVERED)
    assert event.attempts == 3
    assert event.last_error == ""
    assert event.delivered_at is not None
    assert receiver.keys() == [str(event.event_id)] * 3
    bodies = {r.body for r in receiver.received}
    assert bodies == {signing.event_body(event.payload)}  # the same bytes every time


def test_concurrent_purchases_are_each_delivered_once_by_the_kicked_tasks(dp_settings, receiver, celery_worker):
    """The coalesced kick misses no commit: 8 threads commit 25 events each while the worker runs
    whatever `deliver_due` tasks the kicks published (no sweep runs here)."""

    def buyer(count: int) -> list[OutboxEvent]:
        try:
            return [place_order() for _ in range(count)]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:  # an error in a thread fails the test here
        events = [event for placed in pool.map(buyer, [25] * 8) for event in placed]

    assert len(events) == 200
    wait_for(lambda: OutboxEvent.objects.filter(status=OutboxEvent.Status.DELIVERED).count() == 200, timeout=60)
    assert sorted(receiver.keys()) == sorted(str(e.event_id) for e in events)  # each exactly once
    assert set(OutboxEvent.objects.values_list("attempts", flat=True)) == {1}
    wait_for(lambda: not get_redis_connection("default").exists(publishing.KICK_KEY))  # the last task ran


def test_receiver_down_for_a_while_then_delivered_once_it_is_back(dp_settings, make_receiver, celery_worker):
    port = free_port()
    dp_settings.DATA_PLATFORM_URL = f"http://127.0.0.1:{port}/events"

    event = place_order()

    wait_for(lambda: status_of(event) == OutboxEvent.Status.PENDING and event.attempts >= 3)
    assert "ConnectionRefusedError" in event.last_error

    receiver = make_receiver(port)  # the receiver comes back on the same address
    sweep_outbox.delay()

    wait_for(lambda: status_of(event) == OutboxEvent.Status.DELIVERED)
    assert receiver.keys() == [str(event.event_id)]
    assert event.attempts >= 4


def test_an_event_left_behind_by_a_down_broker_is_delivered_by_the_sweep(dp_settings, receiver, celery_worker):
    broker_url = dp_settings.CELERY_BROKER_URL
    dp_settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    event = place_order()  # commits; publishing the task fails and is only logged
    assert status_of(event) == OutboxEvent.Status.PENDING
    dp_settings.CELERY_BROKER_URL = broker_url

    sweep_outbox.delay()  # what beat sends every 30 s

    wait_for(lambda: status_of(event) == OutboxEvent.Status.DELIVERED)
    assert receiver.keys() == [str(event.event_id)]


def test_the_order_commits_and_returns_while_the_receiver_hangs(dp_settings, receiver, celery_worker):
    receiver.hanging = True

    event = place_order()

    # The caller is back with its transaction committed although the receiver has not answered:
    # the HTTP call happens in the worker.
    assert not receiver.release.is_set()
    assert OutboxEvent.objects.filter(pk=event.pk, status="PENDING").exists()
    wait_for(lambda: receiver.keys() == [str(event.event_id)])  # the worker is in the POST now
    assert status_of(event) == OutboxEvent.Status.PENDING

    receiver.release.set()
    wait_for(lambda: status_of(event) == OutboxEvent.Status.DELIVERED)
    assert event.attempts == 1


def test_a_worker_killed_mid_delivery_is_redelivered_by_the_sweep_with_the_same_event_id(dp_settings, receiver):
    receiver.hanging = True
    db = connection.settings_dict
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        TEST_CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        DATA_PLATFORM_URL=receiver.url,
        DATA_PLATFORM_SECRET=settings.DATA_PLATFORM_SECRET,
        DATA_PLATFORM_LEASE_SECONDS="3",  # how long its claims outlive it
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "-l", "WARNING"]
        + ["--without-heartbeat", "--without-gossip", "--without-mingle", "-n", f"doomed-{os.getpid()}@%h"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        event = place_order()
        # the worker process claimed the row and its POST reached the receiver, which hangs
        wait_for(lambda: receiver.keys() == [str(event.event_id)], timeout=60)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
    receiver.hanging = False
    receiver.release.set()

    # No transaction died with the worker (none was open during the POST): its lease runs out,
    # nothing was recorded, and the row is due to the next claimer.
    wait_for(lambda: lease_lapsed(event))
    assert status_of(event) == OutboxEvent.Status.PENDING
    assert event.attempts == 0

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING"):
        sweep_outbox.delay()
        wait_for(lambda: status_of(event) == OutboxEvent.Status.DELIVERED)
    connection.close()

    assert receiver.keys() == [str(event.event_id)] * 2  # the same Idempotency-Key twice
    first, second = receiver.received
    assert first.body == second.body
    assert first.headers["X-Signature"] == second.headers["X-Signature"]
    event.refresh_from_db()
    assert event.attempts == 1


def test_a_failed_event_is_delivered_after_retry_now(dp_settings, receiver, celery_worker):
    receiver.statuses = [503]
    broker_url = dp_settings.CELERY_BROKER_URL
    dp_settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"  # keep the worker out of it
    event = place_order()
    OutboxEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(hours=25))
    assert sweeping.event_deliver(event_pk=event.pk) == attempting.FAILED
    dp_settings.CELERY_BROKER_URL = broker_url

    assert sweeping.event_retry_now(event_pk=event.pk) is True

    wait_for(lambda: status_of(event) == OutboxEvent.Status.DELIVERED)
    assert event.attempts == 2
    assert receiver.keys() == [str(event.event_id)] * 2
