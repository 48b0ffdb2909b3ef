import base64
import hashlib
import hmac
import json
import threading
import uuid
from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_redis import get_redis_connection

from dataplatform import selectors
from dataplatform.models import OutboxEvent
from dataplatform.services import attempting, emitting, publishing, signing, sweeping
from tests.support.builders import order_body
from tests.support.concurrency import run_concurrently, wait_for
from tests.support.network import free_port
from tests.support.receivers import SECRET


def emit(event_type="order.paid", **order_kwargs) -> OutboxEvent:
    order = order_body(**order_kwargs)
    with transaction.atomic():
        return emitting.event_emit(
            event_type=event_type, aggregate_id=order["orderId"], order=order, occurred_at=timezone.now()
        )


@pytest.mark.django_db
def test_emit_stores_the_full_event_body(dp_settings):
    order = order_body(order_id=501)
    occurred = timezone.now()
    with transaction.atomic():
        event = emitting.event_emit(event_type="order.paid", aggregate_id=501, order=order, occurred_at=occurred)

    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.PENDING
    assert event.attempts == 0
    assert event.aggregate_id == 501
    assert event.event_type == "order.paid"
    assert set(event.payload) == {"eventId", "type", "occurredAt", "order"}
    assert event.payload["eventId"] == str(event.event_id)
    assert event.payload["type"] == "order.paid"
    assert event.payload["order"] == order
    assert event.payload["occurredAt"] == timezone.localtime(occurred).isoformat()


@pytest.mark.django_db
def test_emit_refuses_an_unknown_event_type(dp_settings):
    with pytest.raises(ValueError), transaction.atomic():
        emitting.event_emit(event_type="order.shipped", aggregate_id=1, order=order_body(), occurred_at=timezone.now())
    assert OutboxEvent.objects.count() == 0


@pytest.mark.django_db
def test_delivery_sends_exact_headers_and_a_verifiable_signature(dp_settings, receiver):
    event = emit(event_type="order.cancelled", status="CANCELLED")

    assert sweeping.event_deliver(event_pk=event.pk) == attempting.DELIVERED

    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.DELIVERED
    assert event.attempts == 1
    assert event.delivered_at is not None
    assert event.last_error == ""
    [request] = receiver.received
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Idempotency-Key"] == str(event.event_id)
    assert request.headers["X-Event-Type"] == "order.cancelled"
    expected = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Signature"], f"sha256={expected}")
    assert request.body == signing.event_body(event.payload)
    assert json.loads(request.body) == event.payload
    # a signature made with another secret does not verify
    forged = hmac.new(b"another-secret", request.body, hashlib.sha256).hexdigest()
    assert not hmac.compare_digest(request.headers["X-Signature"], f"sha256={forged}")


@pytest.mark.django_db
def test_a_delivered_event_is_not_sent_again(dp_settings, receiver):
    event = emit()
    assert sweeping.event_deliver(event_pk=event.pk) == attempting.DELIVERED
    assert sweeping.event_deliver(event_pk=event.pk) == attempting.SKIPPED
    assert len(receiver.received) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("status", [500, 503, 429, 400, 404])
def test_a_non_2xx_reply_schedules_a_retry_with_backoff(dp_settings, receiver, status):
    receiver.statuses = [status]
    event = emit()
    before = timezone.now()

    assert sweeping.event_deliver(event_pk=event.pk) == attempting.RETRY

    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.PENDING
    assert event.attempts == 1
    assert event.last_error.startswith(f"HTTP {status}")
    # full jitter on attempt 1: somewhere in [0, base]
    assert before <= event.next_attempt_at <= timezone.now() + timedelta(seconds=0.05)


@pytest.mark.django_db
def test_retry_after_is_honoured(dp_settings, receiver):
    receiver.statuses = [429]
    receiver.extra_headers = {"Retry-After": "120"}
    event = emit()
    before = timezone.now()

    assert sweeping.event_deliver(event_pk=event.pk) == attempting.RETRY

    event.refresh_from_db()
    assert event.next_attempt_at >= before + timedelta(seconds=120)
    # not due yet: a task or a sweep now leaves it alone
    assert sweeping.event_deliver(event_pk=event.pk) == attempting.SKIPPED
    assert sweeping.outbox_sweep() == {"delivered": 0, "retry": 0, "failed": 0}
    assert len(receiver.received) == 1


def test_backoff_is_exponential_with_full_jitter_and_capped(settings):
    settings.DATA_PLATFORM_BACKOFF_BASE_SECONDS = 2
    settings.DATA_PLATFORM_BACKOFF_CAP_SECONDS = 600
    for attempts, ceiling in [(1, 2), (2, 4), (3, 8), (6, 64), (10, 600), (200, 600)]:
        delays = [attempting.retry_delay(attempts, None) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling / 2  # jitter spreads over the whole range
    assert attempting.retry_delay(1, 30.0) >= 30.0
    assert attempting.retry_delay(1, 10**9) <= attempting.MAX_RETRY_AFTER_SECONDS


@pytest.mark.django_db
def test_network_error_is_recorded_and_retried(dp_settings):
    dp_settings.DATA_PLATFORM_URL = f"http://127.0.0.1:{free_port()}/events"
    event = emit()

    assert sweeping.event_deliver(event_pk=event.pk) == attempting.RETRY

    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.PENDING
    assert event.attempts == 1
    assert "ConnectionRefusedError" in event.last_error


@pytest.mark.django_db
def test_past_the_retry_budget_the_event_fails(dp_settings, receiver):
    receiver.statuses = [503, 503]
    event = emit()
    assert sweeping.event_deliver(event_pk=event.pk) == attempting.RETRY  # within budget
    OutboxEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - timedelta(hours=24, minutes=1), next_attempt_at=timezone.now()
    )

    assert sweeping.event_deliver(event_pk=event.pk) == attempting.FAILED

    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.FAILED
    assert event.attempts == 2
    assert event.last_error.startswith("HTTP 503")
    assert selectors.outbox_failed_count() == 1
    assert selectors.outbox_pending_count() == 0
    # FAILED is left alone by tasks and sweeps
    assert sweeping.event_deliver(event_pk=event.pk) == attempting.SKIPPED
    assert sweeping.outbox_sweep()["delivered"] == 0

    # staff's retry now: PENDING and due, then the next attempt (receiver now answers 200) delivers
    assert sweeping.event_retry_now(event_pk=event.pk) is True
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.PENDING
    assert sweeping.event_deliver(event_pk=event.pk) == attempting.DELIVERED
    assert sweeping.event_retry_now(event_pk=event.pk) is False
    assert [r.headers["Idempotency-Key"] for r in receiver.received] == [str(event.event_id)] * 3


@pytest.mark.django_db
def test_without_a_url_events_are_appended_to_the_spool_file(dp_settings):
    dp_settings.DATA_PLATFORM_URL = ""
    first, second = emit(), emit(event_type="order.cancelled", status="CANCELLED")

    assert sweeping.outbox_sweep() == {"delivered": 2, "retry": 0, "failed": 0}

    spool = dp_settings.DATA_PLATFORM_SPOOL_DIR / "events.jsonl"
    lines = spool.read_bytes().splitlines()
    assert len(lines) == 2
    assert [json.loads(line) for line in lines] == [first.payload, second.payload]
    assert lines[0] == signing.event_body(first.payload)
    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {"DELIVERED"}


def queued_tasks(broker) -> list[tuple[str, list]]:
    """(task name, args) of every message waiting on the broker's default queue, oldest first."""
    messages = [json.loads(raw) for raw in reversed(broker.lrange("celery", 0, -1))]
    return [(m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[0]) for m in messages]


@pytest.mark.django_db(transaction=True)
def test_emit_queues_the_delivery_task_on_the_broker_after_commit(dp_settings):
    broker = get_redis_connection("default")  # the test Redis db is also the test broker
    assert broker.llen("celery") == 0
    delay = timedelta(seconds=dp_settings.DATA_PLATFORM_KICK_DELAY_SECONDS)
    before = timezone.now()
    with transaction.atomic():
        emitting.event_emit(
            event_type="order.paid", aggregate_id=1, order=order_body(order_id=1), occurred_at=timezone.now()
        )
        assert broker.llen("celery") == 0  # nothing is published before the commit
        assert not broker.exists(publishing.KICK_KEY)
    assert queued_tasks(broker) == [("dataplatform.tasks.deliver_due", [])]
    assert 0 < broker.pttl(publishing.KICK_KEY) <= dp_settings.DATA_PLATFORM_KICK_TTL_SECONDS * 1000
    # it runs a moment later, with whatever else was committed meanwhile
    eta = datetime.fromisoformat(json.loads(broker.lindex("celery", 0))["headers"]["eta"])
    assert delay > timedelta(0)
    assert before + delay <= eta <= timezone.now() + delay


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_commits_shares_one_task_until_that_task_starts(dp_settings, receiver):
    broker = get_redis_connection("default")
    first = [emit() for _ in range(20)]
    assert queued_tasks(broker) == [("dataplatform.tasks.deliver_due", [])]  # one publish for 20 commits

    broker.delete("celery")  # a worker took the message: what it runs is outbox_deliver_due
    assert sweeping.outbox_deliver_due() == {"delivered": 20, "retry": 0, "failed": 0}
    assert not broker.exists(publishing.KICK_KEY)  # cleared before its claims
    assert sorted(receiver.keys()) == sorted(str(e.event_id) for e in first)

    later = emit()  # the kick is free again: the next commit publishes a task of its own
    assert queued_tasks(broker) == [("dataplatform.tasks.deliver_due", [])]
    assert OutboxEvent.objects.get(pk=later.pk).status == OutboxEvent.Status.PENDING


@pytest.mark.django_db(transaction=True)
def test_a_kick_whose_task_was_lost_expires_and_the_next_commit_publishes(dp_settings):
    dp_settings.DATA_PLATFORM_KICK_TTL_SECONDS = 1.0
    broker = get_redis_connection("default")
    emit()
    broker.delete("celery")  # the task is lost (a broker restart without persistence, say)
    emit()
    assert broker.llen("celery") == 0  # held back: the kick is still pending; the sweep would deliver

    wait_for(lambda: not broker.exists(publishing.KICK_KEY), timeout=5)
    emit()
    assert queued_tasks(broker) == [("dataplatform.tasks.deliver_due", [])]


@pytest.mark.django_db(transaction=True)
def test_with_redis_unreachable_every_commit_publishes(dp_settings, private_redis):
    dp_settings.CELERY_BROKER_URL = private_redis.url
    broker = private_redis.start()
    dp_settings.CACHES = {
        "default": {
            **dp_settings.CACHES["default"],
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        }
    }

    emit(), emit()

    assert queued_tasks(broker) == [("dataplatform.tasks.deliver_due", [])] * 2
    assert OutboxEvent.objects.filter(status="PENDING").count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_task_that_stops_with_rows_left_kicks_again(dp_settings, receiver):
    dp_settings.DATA_PLATFORM_SWEEP_BATCH = 3
    broker = get_redis_connection("default")
    for _ in range(5):
        emit()
    broker.delete("celery")

    assert sweeping.outbox_deliver_due() == {"delivered": 3, "retry": 0, "failed": 0}

    assert queued_tasks(broker) == [("dataplatform.tasks.deliver_due", [])]  # the rest has a task
    assert sweeping.outbox_deliver_due() == {"delivered": 2, "retry": 0, "failed": 0}
    assert len(set(receiver.keys())) == 5


@pytest.mark.django_db(transaction=True)
def test_emit_with_the_broker_down_commits_and_leaves_the_event_pending(dp_settings):
    dp_settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    outcome = {}

    def purchase():
        try:
            with transaction.atomic(durable=True):
                outcome["event"] = emitting.event_emit(
                    event_type="order.paid", aggregate_id=77, order=order_body(order_id=77), occurred_at=timezone.now()
                )
            outcome["committed"] = True
        except BaseException as exc:  # noqa: BLE001
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=purchase)
    thread.start()
    thread.join(timeout=20)

    assert not thread.is_alive()
    assert "error" not in outcome
    assert outcome["committed"] is True
    event = OutboxEvent.objects.get(aggregate_id=77)
    assert event.status == OutboxEvent.Status.PENDING
    assert event.attempts == 0
    assert publishing.event_enqueue(event_pk=event.pk) is False  # the publish path only logs


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweepers_never_send_one_event_twice(dp_settings, receiver, monkeypatch):
    monkeypatch.setattr(sweeping, "CLAIM_BATCH", 4)  # so that 30 rows make batches for both
    receiver.delay = 0.03
    events = [emit() for _ in range(30)]
    get_redis_connection("default").delete("celery")  # no worker here: only the sweepers send

    outcomes = run_concurrently([lambda: sweeping.outbox_sweep(time_budget_seconds=60)] * 2)
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    results = [o for o in outcomes if not isinstance(o, BaseException)]

    assert errors == []
    keys = receiver.keys()
    assert sorted(keys) == sorted(str(e.event_id) for e in events)  # each exactly once
    assert len(set(keys)) == len(keys) == 30
    assert sum(r["delivered"] for r in results) == 30
    assert all(r["delivered"] > 0 for r in results)  # both really swept
    assert OutboxEvent.objects.filter(status="DELIVERED", attempts=1).count() == 30


@pytest.mark.django_db
def test_event_ids_are_unique_uuids(dp_settings):
    events = [emit() for _ in range(5)]
    ids = {e.event_id for e in events}
    assert len(ids) == 5
    assert all(isinstance(i, uuid.UUID) and i.version == 4 for i in ids)


def test_beat_sweeps_the_outbox_about_every_30_seconds(settings):
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["dataplatform-sweep-outbox"]
    assert entry["task"] == "dataplatform.tasks.sweep_outbox"
    assert entry["task"] in app.tasks
    assert entry["schedule"] == 30.0
    assert app.conf.beat_schedule["dataplatform-sweep-outbox"]["task"] == entry["task"]


@pytest.mark.django_db
def test_a_batch_records_each_outcome_of_its_own(dp_settings, receiver):
    receiver.statuses = [200, 503, 200]
    first, second, third = emit(), emit(), emit()

    assert sweeping.outbox_sweep() == {"delivered": 2, "retry": 1, "failed": 0}

    for event in (first, third):
        event.refresh_from_db()
        assert (event.status, event.attempts, event.last_error) == ("DELIVERED", 1, "")
        assert event.delivered_at is not None
    second.refresh_from_db()
    assert (second.status, second.attempts, second.delivered_at) == ("PENDING", 1, None)
    assert second.last_error.startswith("HTTP 503")
    assert second.next_attempt_at > second.created_at


@pytest.mark.django_db(transaction=True)
def test_a_slow_receiver_ends_each_batch_early_and_leaves_the_rest_due(dp_settings, receiver, monkeypatch):
    monkeypatch.setattr(sweeping, "BATCH_SECONDS", 0.1)
    receiver.delay = 0.5
    events = [emit() for _ in range(5)]

    # Each batch commits after its first (slow) row; the budget ends the run after the second.
    assert sweeping.outbox_sweep(time_budget_seconds=0.75) == {"delivered": 2, "retry": 0, "failed": 0}

    assert receiver.keys() == [str(e.event_id) for e in events[:2]]
    rest = OutboxEvent.objects.filter(pk__in=[e.pk for e in events[2:]])
    assert set(rest.values_list("status", "attempts")) == {("PENDING", 0)}
    with transaction.atomic():  # not left locked by the run
        assert rest.select_for_update(skip_locked=True).count() == 3
    assert sweeping.outbox_sweep() == {"delivered": 3, "retry": 0, "failed": 0}


@pytest.mark.django_db
def test_one_sweep_tries_each_event_at_most_once(dp_settings, receiver):
    dp_settings.DATA_PLATFORM_BACKOFF_BASE_SECONDS = 0.0001  # due again almost at once
    receiver.statuses = [503] * 10
    event = emit()

    assert sweeping.outbox_sweep() == {"delivered": 0, "retry": 1, "failed": 0}

    event.refresh_from_db()
    assert event.attempts == 1
    assert receiver.keys() == [str(event.event_id)]


@pytest.mark.django_db(transaction=True)
def test_publishing_recovers_after_the_broker_comes_back(dp_settings, private_redis):
    dp_settings.CELERY_BROKER_URL = private_redis.url
    broker = private_redis.start()
    kicks = get_redis_connection("default")

    def purchase(order_id: int) -> OutboxEvent:
        with transaction.atomic(durable=True):
            return emitting.event_emit(
                event_type="order.paid",
                aggregate_id=order_id,
                order=order_body(order_id=order_id),
                occurred_at=timezone.now(),
            )

    purchase(1)
    assert queued_tasks(broker) == [("dataplatform.tasks.deliver_due", [])]

    private_redis.stop()  # the broker dies under a pooled, connected publisher
    kicks.delete(publishing.KICK_KEY)  # as the task does when it starts: the next commit publishes
    during = purchase(2)
    assert OutboxEvent.objects.get(pk=during.pk).status == "PENDING"
    assert not kicks.exists(publishing.KICK_KEY)  # the failed publish gave the kick back

    broker = private_redis.start()  # empty again: nothing of the outage was queued
    assert broker.llen("celery") == 0
    purchase(3)
    assert queued_tasks(broker) == [("dataplatform.tasks.deliver_due", [])]
    assert OutboxEvent.objects.filter(status="PENDING").count() == 3


@pytest.mark.django_db
def test_a_receiver_slower_than_the_read_timeout_is_a_failed_attempt(dp_settings, receiver):
    dp_settings.DATA_PLATFORM_READ_TIMEOUT = 0.3
    receiver.hanging = True
    event = emit()

    assert sweeping.event_deliver(event_pk=event.pk) == attempting.RETRY

    receiver.release.set()
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.PENDING
    assert "timed out" in event.last_error
    assert receiver.keys() == [str(event.event_id)]
