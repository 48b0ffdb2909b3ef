"""The reusable Idempotency-Key piece itself, on a small view made for the purpose: the claim is
committed before the handler runs, the handler runs outside any transaction, a 5xx releases the
key, and old keys are purged."""

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.urls import path
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as project_urlpatterns
from core.idempotency import idempotency_keys_purge, idempotent
from core.models import IdempotencyKey
from core.tasks import purge_idempotency_keys
from tests.support.api import assert_problem

seen: dict = {}


def _claim_visible_from_another_connection() -> bool:
    result = {}

    def look():
        try:
            result["visible"] = IdempotencyKey.objects.filter(key="observe", response_status__isnull=True).exists()
        finally:
            connection.close()

    thread = threading.Thread(target=look)
    thread.start()
    thread.join()
    return result["visible"]


class FlakyApi(APIView):
    def post(self, request):
        return idempotent(request, lambda: self.handle(request))

    def handle(self, request):
        seen["calls"] = seen.get("calls", 0) + 1
        seen["in_atomic_block"] = connection.in_atomic_block
        if request.headers.get("Idempotency-Key") == "observe":
            seen["claim_committed"] = _claim_visible_from_another_connection()
        if request.data.get("fail") and seen["calls"] == 1:
            raise RuntimeError("the first attempt crashes")
        return Response({"ok": True, "calls": seen["calls"]}, status=201)


urlpatterns = [path("api/test/flaky", FlakyApi.as_view()), *project_urlpatterns]


@pytest.fixture(autouse=True)
def _reset():
    seen.clear()


@pytest.mark.urls(__name__)
@pytest.mark.django_db(transaction=True)
def test_claim_is_committed_and_handler_runs_outside_a_transaction(client_for, user):
    response = client_for(user).post("/api/test/flaky", {}, format="json", HTTP_IDEMPOTENCY_KEY="observe")
    assert response.status_code == 201
    assert seen["in_atomic_block"] is False
    assert seen["claim_committed"] is True
    row = IdempotencyKey.objects.get(key="observe")
    assert (row.response_status, row.response_body) == (201, {"ok": True, "calls": 1})


@pytest.mark.urls(__name__)
@pytest.mark.django_db(transaction=True)
def test_an_unexpected_error_releases_the_key(client_for, user):
    client = client_for(user)
    body = {"fail": True}
    assert_problem(client.post("/api/test/flaky", body, format="json", HTTP_IDEMPOTENCY_KEY="k"), 500, "INTERNAL_ERROR")
    assert not IdempotencyKey.objects.exists()

    retry = client.post("/api/test/flaky", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert retry.status_code == 201 and retry.json() == {"ok": True, "calls": 2}
    replay = client.post("/api/test/flaky", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == {"ok": True, "calls": 2}
    assert seen["calls"] == 2


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_without_the_header_every_request_runs(client_for, user):
    client = client_for(user)
    assert client.post("/api/test/flaky", {}, format="json").json()["calls"] == 1
    assert client.post("/api/test/flaky", {}, format="json").json()["calls"] == 2
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_purge_drops_only_expired_keys(user):
    now = timezone.now()
    ttl = timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)

    def make(key, age, *, done=True, lease=timedelta(seconds=-1)):
        return IdempotencyKey.objects.create(
            user=user,
            key=key,
            fingerprint="f",
            owner_token="t",
            locked_until=now + lease,
            response_status=200 if done else None,
            created_at=now - age,
        )

    make("old", ttl + timedelta(minutes=1))
    make("old-crashed", ttl + timedelta(minutes=1), done=False)
    make("young", ttl - timedelta(minutes=1))
    make("old-but-running", ttl + timedelta(minutes=1), done=False, lease=timedelta(seconds=30))
    assert idempotency_keys_purge(now=now) == 2
    assert set(IdempotencyKey.objects.values_list("key", flat=True)) == {"young", "old-but-running"}


@pytest.mark.django_db
def test_purge_task_is_scheduled_and_runs(user):
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "core.purge_idempotency_keys")
    assert entry["schedule"] <= 24 * 3600
    IdempotencyKey.objects.create(
        user=user,
        key="old",
        fingerprint="f",
        owner_token="t",
        locked_until=timezone.now(),
        response_status=200,
        created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS + 1),
    )
    assert purge_idempotency_keys.apply().get() == 1
    assert not IdempotencyKey.objects.exists()
