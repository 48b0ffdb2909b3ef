from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dataplatform.models import OutboxEvent
from dataplatform.services import attempting, emitting, sweeping
from tests.support.builders import order_body
from tests.support.concurrency import wait_for
from tests.support.factories import StaffFactory

CHANGELIST = reverse("admin:dataplatform_outboxevent_changelist")


def emit(order_id: int, event_type: str = "order.paid") -> OutboxEvent:
    with transaction.atomic():
        return emitting.event_emit(
            event_type=event_type,
            aggregate_id=order_id,
            order=order_body(order_id=order_id),
            occurred_at=timezone.now(),
        )


def fail(event: OutboxEvent, error: str = "HTTP 503: busy") -> None:
    OutboxEvent.objects.filter(pk=event.pk).update(status="FAILED", attempts=40, last_error=error)


@pytest.fixture
def admin_client_(db):
    client = Client()
    client.force_login(StaffFactory(is_superuser=True))
    return client


@pytest.mark.django_db
def test_changelist_lists_events_with_status_type_filters_and_last_error(admin_client_, dp_settings):
    paid, cancelled, failed = emit(101), emit(102, "order.cancelled"), emit(103)
    fail(failed, "HTTP 503: receiver overloaded")

    response = admin_client_.get(CHANGELIST)
    assert response.status_code == 200
    html = response.content.decode()
    for event in (paid, cancelled, failed):
        assert str(event.event_id) in html
    assert "HTTP 503: receiver overloaded" in html
    assert "?status__exact=FAILED" in html and "?event_type__exact=order.cancelled" in html

    only_failed = admin_client_.get(CHANGELIST, {"status__exact": "FAILED"}).content.decode()
    assert str(failed.event_id) in only_failed and str(paid.event_id) not in only_failed
    only_cancelled = admin_client_.get(CHANGELIST, {"event_type__exact": "order.cancelled"}).content.decode()
    assert str(cancelled.event_id) in only_cancelled and str(paid.event_id) not in only_cancelled


@pytest.mark.django_db
def test_search_by_event_id_or_order_id(admin_client_, dp_settings):
    first, second = emit(201), emit(202)

    by_event = admin_client_.get(CHANGELIST, {"q": str(second.event_id)}).content.decode()
    assert str(second.event_id) in by_event and str(first.event_id) not in by_event
    by_order = admin_client_.get(CHANGELIST, {"q": "201"}).content.decode()
    assert str(first.event_id) in by_order and str(second.event_id) not in by_order
    nothing = admin_client_.get(CHANGELIST, {"q": "not-an-id"})
    assert nothing.status_code == 200
    assert str(first.event_id) not in nothing.content.decode()


@pytest.mark.django_db
def test_event_detail_is_read_only(admin_client_, dp_settings):
    event = emit(301)
    url = reverse("admin:dataplatform_outboxevent_change", args=[event.pk])

    response = admin_client_.get(url)
    assert response.status_code == 200
    assert "한정판 운동화" in response.content.decode()
    assert admin_client_.post(url, {"status": "DELIVERED"}).status_code == 403
    assert admin_client_.get(reverse("admin:dataplatform_outboxevent_add")).status_code == 403
    event.refresh_from_db()
    assert event.status == "PENDING"


@pytest.mark.django_db
def test_admin_index_shows_pending_and_failed_counts(admin_client_, dp_settings):
    emit(401), emit(402)
    fail(emit(403))
    response = admin_client_.get(reverse("admin:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<td id="outbox-pending-count">2건</td>' in html
    assert '<td id="outbox-failed-count">1건</td>' in html
    assert "데이터 플랫폼 전송" in html


@pytest.mark.django_db
def test_admin_index_hides_the_counts_from_staff_without_the_permission(dp_settings):
    emit(501)
    client = Client()
    client.force_login(StaffFactory())
    html = client.get(reverse("admin:index")).content.decode()
    assert "outbox-pending-count" not in html


@pytest.mark.django_db
def test_retry_action_needs_the_change_permission(dp_settings):
    event = emit(601)
    fail(event)
    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_outboxevent"))
    client = Client()
    client.force_login(viewer)
    assert client.get(CHANGELIST).status_code == 200
    client.post(CHANGELIST, {"action": "retry_now", "_selected_action": [event.pk]})
    event.refresh_from_db()
    assert event.status == "FAILED"


@pytest.mark.django_db(transaction=True)
def test_retry_now_action_requeues_failed_events_and_the_worker_delivers_them(
    admin_client_, dp_settings, receiver, celery_worker
):
    receiver.statuses = [503]
    broker_url = dp_settings.CELERY_BROKER_URL
    dp_settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing published while we set up
    failed = emit(701)
    OutboxEvent.objects.filter(pk=failed.pk).update(created_at=timezone.now() - timedelta(hours=25))
    assert sweeping.event_deliver(event_pk=failed.pk) == attempting.FAILED
    delivered = emit(702)
    assert sweeping.event_deliver(event_pk=delivered.pk) == attempting.DELIVERED
    dp_settings.CELERY_BROKER_URL = broker_url

    response = admin_client_.post(
        CHANGELIST, {"action": "retry_now", "_selected_action": [failed.pk, delivered.pk]}, follow=True
    )

    html = response.content.decode()
    assert "1건을 다시 전송하도록 예약했습니다." in html
    assert "1건은 이미 전송 완료되어 건너뛰었습니다." in html
    wait_for(lambda: OutboxEvent.objects.get(pk=failed.pk).status == "DELIVERED")
    failed.refresh_from_db()
    assert failed.attempts == 2
    assert receiver.keys() == [str(failed.event_id), str(delivered.event_id), str(failed.event_id)]
