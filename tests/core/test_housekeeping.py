"""Celery beat's housekeeping: expired sessions, expired refresh tokens, delivered outbox events
past OUTBOX_RETENTION_DAYS, expired idempotency keys. The tasks run for real (eagerly, through
Celery's task objects) against the test database and call the services."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from config.celery import app
from core.models import IdempotencyKey
from core.tasks import clear_sessions, flush_expired_refresh_tokens, purge_idempotency_keys
from dataplatform.models import OutboxEvent
from dataplatform.tasks import purge_delivered_outbox

pytestmark = pytest.mark.django_db

HOUSEKEEPING = {
    "core.clear_sessions",
    "core.flush_expired_refresh_tokens",
    "core.purge_idempotency_keys",
    "dataplatform.purge_delivered_outbox",
}


def test_beat_runs_every_housekeeping_task():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled >= HOUSEKEEPING
    app.loader.import_default_modules()
    assert set(app.tasks) >= HOUSEKEEPING  # the names beat sends are registered tasks


def test_clear_sessions_drops_only_expired_ones():
    now = timezone.now()
    Session.objects.create(session_key="a" * 32, session_data="x", expire_date=now - timedelta(seconds=1))
    Session.objects.create(session_key="b" * 32, session_data="x", expire_date=now + timedelta(days=1))
    clear_sessions.apply().get()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["b" * 32]


def test_expired_refresh_tokens_and_their_blacklist_rows_are_flushed(user):
    live = RefreshToken.for_user(user)
    dead = RefreshToken.for_user(user)
    OutstandingToken.objects.filter(jti=dead["jti"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    dead.blacklist()
    assert flush_expired_refresh_tokens.apply().get() == 2  # the outstanding row and its blacklist row
    assert list(OutstandingToken.objects.values_list("jti", flat=True)) == [live["jti"]]
    assert not BlacklistedToken.objects.exists()


def _event(status, *, delivered_days_ago=None, n=[0]):
    n[0] += 1
    delivered_at = timezone.now() - timedelta(days=delivered_days_ago) if delivered_days_ago is not None else None
    return OutboxEvent.objects.create(
        event_type="order.paid", aggregate_id=n[0], payload={}, status=status, delivered_at=delivered_at
    ).pk


def test_delivered_events_past_retention_are_deleted(settings):
    settings.OUTBOX_RETENTION_DAYS = 30
    old = [_event("DELIVERED", delivered_days_ago=31) for _ in range(3)]
    recent = _event("DELIVERED", delivered_days_ago=29)
    pending, failed = _event("PENDING"), _event("FAILED")
    assert purge_delivered_outbox.apply().get() == len(old)
    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {recent, pending, failed}
    assert purge_delivered_outbox.apply().get() == 0  # idempotent


def test_retention_is_a_setting_and_batches_cover_everything(settings):
    from dataplatform.retention import outbox_delivered_purge

    settings.OUTBOX_RETENTION_DAYS = 7
    for _ in range(5):
        _event("DELIVERED", delivered_days_ago=8)
    kept = _event("DELIVERED", delivered_days_ago=6)
    assert outbox_delivered_purge(batch=2) == 5  # three batches
    assert list(OutboxEvent.objects.values_list("pk", flat=True)) == [kept]


def test_expired_idempotency_keys_are_purged(user):
    done = {"fingerprint": "f", "owner_token": "o", "locked_until": timezone.now(), "response_status": 200}
    fresh = IdempotencyKey.objects.create(user=user, key="fresh", **done)
    stale = IdempotencyKey.objects.create(user=user, key="stale", **done)
    IdempotencyKey.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS + 1)
    )
    assert purge_idempotency_keys.apply().get() == 1
    assert list(IdempotencyKey.objects.values_list("pk", flat=True)) == [fresh.pk]
