"""Idempotency-Key on POST /api/balance/charge (API.md "Idempotency")."""

from datetime import timedelta
from functools import partial

import pytest
from django.utils import timezone
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from rest_framework.throttling import ScopedRateThrottle

from balances.models import Balance, LedgerEntry
from core.idempotency import request_fingerprint
from core.models import IdempotencyKey
from tests.support.api import assert_problem, client_of
from tests.support.concurrency import run_concurrently

URL = "/api/balance/charge"


@pytest.fixture(autouse=True)
def _generous_throttle(monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "charge", "1000/second")


def charge(client, body, key):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def fingerprint_of(body, user) -> str:
    """The fingerprint the server computes, taken from a real DRF request."""
    return request_fingerprint(Request(APIRequestFactory().post(URL, body, format="json"), parsers=[JSONParser()]))


@pytest.mark.django_db
def test_replay_returns_the_first_response(client_for, user):
    client = client_for(user)
    body = {"userId": user.pk, "amount": 5_000}
    first = charge(client, body, "key-1")
    assert first.status_code == 200
    assert "Idempotent-Replayed" not in first

    charge(client, {"userId": user.pk, "amount": 1_000}, "key-2")  # the balance moves on meanwhile

    again = charge(client, {"amount": 5_000, "userId": user.pk}, "key-1")  # same body, other key order
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() == {**first.json(), "balance": 5_000}
    assert LedgerEntry.objects.count() == 2
    assert Balance.objects.get(user=user).amount == 6_000


@pytest.mark.django_db
def test_same_key_different_body_is_422(client_for, user):
    client = client_for(user)
    assert charge(client, {"userId": user.pk, "amount": 5_000}, "k").status_code == 200
    response = charge(client, {"userId": user.pk, "amount": 5_001}, "k")
    assert_problem(response, 422, "IDEMPOTENCY_KEY_REUSED", "다른 요청에 사용된 멱등키")
    assert LedgerEntry.objects.count() == 1


@pytest.mark.django_db
def test_in_flight_key_is_409(client_for, user):
    body = {"userId": user.pk, "amount": 5_000}
    IdempotencyKey.objects.create(
        user=user,
        key="busy",
        fingerprint=fingerprint_of(body, user),
        owner_token="another-process",
        locked_until=timezone.now() + timedelta(seconds=60),
    )
    response = charge(client_for(user), body, "busy")
    assert_problem(response, 409, "IDEMPOTENCY_IN_PROGRESS", "처리 중인 요청")
    assert not LedgerEntry.objects.exists()
    # a different body on a busy key is still a reused key
    assert_problem(charge(client_for(user), {**body, "amount": 1}, "busy"), 422, "IDEMPOTENCY_KEY_REUSED")


@pytest.mark.django_db
def test_claim_of_a_crashed_process_is_taken_over_after_its_lease(client_for, user):
    body = {"userId": user.pk, "amount": 5_000}
    IdempotencyKey.objects.create(
        user=user,
        key="stale",
        fingerprint=fingerprint_of(body, user),
        owner_token="dead-process",
        locked_until=timezone.now() - timedelta(seconds=1),
    )
    response = charge(client_for(user), body, "stale")
    assert response.status_code == 200
    assert LedgerEntry.objects.count() == 1
    row = IdempotencyKey.objects.get(key="stale")
    assert row.response_status == 200 and row.owner_token != "dead-process"
    assert charge(client_for(user), body, "stale")["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_domain_errors_are_stored_and_replayed(client_for, user):
    client = client_for(user)
    body = {"userId": user.pk, "amount": 0}
    first = assert_problem(charge(client, body, "bad"), 400, "INVALID_AMOUNT")
    again = charge(client, body, "bad")
    assert again["Idempotent-Replayed"] == "true"
    assert again["Content-Type"].startswith("application/problem+json")
    assert assert_problem(again, 400, "INVALID_AMOUNT") == first


@pytest.mark.django_db
def test_keys_are_per_user(client_for, user, other_user):
    assert charge(client_for(user), {"userId": user.pk, "amount": 100}, "shared").status_code == 200
    response = charge(client_for(other_user), {"userId": other_user.pk, "amount": 200}, "shared")
    assert response.status_code == 200 and "Idempotent-Replayed" not in response
    assert Balance.objects.get(user=other_user).amount == 200


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256])
def test_key_length_must_be_1_to_255(client_for, user, key):
    response = charge(client_for(user), {"userId": user.pk, "amount": 100}, key)
    assert_problem(response, 400, "INVALID_REQUEST")
    assert not LedgerEntry.objects.exists() and not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_longest_key_works(client_for, user):
    assert charge(client_for(user), {"userId": user.pk, "amount": 100}, "k" * 255).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_20_concurrent_replays_charge_once(user):
    body = {"userId": user.pk, "amount": 7_000}
    clients = [client_of(user) for _ in range(20)]

    responses = run_concurrently([partial(charge, client, body, "same-key") for client in clients])

    assert all(not isinstance(r, BaseException) for r in responses), responses
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {200, 409}, statuses
    for r in responses:
        if r.status_code == 409:
            assert_problem(r, 409, "IDEMPOTENCY_IN_PROGRESS")
    oks = [r for r in responses if r.status_code == 200]
    assert sum(1 for r in oks if "Idempotent-Replayed" not in r) == 1
    assert LedgerEntry.objects.count() == 1
    assert Balance.objects.get(user=user).amount == 7_000
    bodies = {tuple(sorted(r.json().items())) for r in oks}
    assert len(bodies) == 1

    final = charge(client_of(user), body, "same-key")
    assert final.status_code == 200 and final["Idempotent-Replayed"] == "true"
    assert final.json() == oks[0].json()
    assert LedgerEntry.objects.count() == 1


@pytest.mark.django_db
def test_malformed_json_with_a_key_claims_nothing(client_for, user):
    response = client_for(user).post(URL, data="{oops", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert_problem(response, 400, "INVALID_REQUEST")
    assert not IdempotencyKey.objects.exists() and not LedgerEntry.objects.exists()
