import json
import re

import pytest
from rest_framework.throttling import ScopedRateThrottle

from balances.models import Balance, LedgerEntry
from balances.services import balance_charge
from tests.support.api import assert_problem

pytestmark = pytest.mark.django_db
ISO_KST = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+09:00$")


def charge(client, user_id, amount, **extra):
    return client.post("/api/balance/charge", {"userId": user_id, "amount": amount}, format="json", **extra)


def assert_nothing_written():
    assert not LedgerEntry.objects.exists()
    assert not Balance.objects.exclude(amount=0).exists()


def test_charge_returns_final_balance(client_for, user):
    client = client_for(user)
    first = charge(client, user.pk, 10_000)
    assert first.status_code == 200, first.content
    entry = LedgerEntry.objects.get()
    assert first.json() == {"userId": user.pk, "balance": 10_000, "chargedAmount": 10_000, "transactionId": entry.pk}

    second = charge(client, user.pk, 2_500)
    assert second.json()["balance"] == 12_500
    assert second.json()["chargedAmount"] == 2_500
    assert Balance.objects.get(user=user).amount == 12_500


def test_charge_up_to_the_limits(client_for, user, settings):
    settings.BALANCE_MAX_CHARGE = 1_000
    settings.BALANCE_MAX = 1_500
    client = client_for(user)
    assert charge(client, user.pk, 1_000).json()["balance"] == 1_000
    assert charge(client, user.pk, 500).json()["balance"] == 1_500  # exactly the cap is fine
    assert_problem(charge(client, user.pk, 1), 400, "INVALID_AMOUNT", "유효하지 않은 금액")
    assert Balance.objects.get(user=user).amount == 1_500
    assert LedgerEntry.objects.count() == 2


@pytest.mark.parametrize(
    "amount",
    [0, -1, 1.5, 1000.0, "1000", None, True, False, 10**20, -(10**20), 1_000_001, [1000], {"v": 1000}],
    ids=lambda v: repr(v),
)
def test_charge_bad_amount(client_for, user, amount):
    body = assert_problem(charge(client_for(user), user.pk, amount), 400, "INVALID_AMOUNT", "유효하지 않은 금액")
    assert body["errors"][0]["field"] == "amount"
    assert_nothing_written()


def test_charge_missing_amount(client_for, user):
    response = client_for(user).post("/api/balance/charge", {"userId": user.pk}, format="json")
    assert_problem(response, 400, "INVALID_AMOUNT")
    assert_nothing_written()


def test_charge_pushing_balance_over_the_cap(client_for, user, settings):
    settings.BALANCE_MAX = 100_000
    balance_charge(user_id=user.pk, amount=90_000)
    body = assert_problem(charge(client_for(user), user.pk, 10_001), 400, "INVALID_AMOUNT")
    assert "100,000원" in body["detail"]
    assert Balance.objects.get(user=user).amount == 90_000
    assert LedgerEntry.objects.count() == 1


def test_charge_unknown_user_as_staff(client_for, staff):
    assert_problem(charge(client_for(staff), 987654321, 1_000), 404, "INVALID_USER", "유효하지 않은 사용자")
    assert_nothing_written()


def test_staff_charges_someone_else(client_for, staff, user):
    response = charge(client_for(staff), user.pk, 3_000)
    assert response.status_code == 200
    assert Balance.objects.get(user=user).amount == 3_000


def test_charge_someone_elses_user_id(client_for, user, other_user):
    assert_problem(charge(client_for(user), other_user.pk, 1_000), 403, "FORBIDDEN", "권한 없음")
    assert_nothing_written()


def test_forbidden_comes_before_amount_checks(client_for, user, other_user):
    assert_problem(charge(client_for(user), other_user.pk, -5), 403, "FORBIDDEN")


@pytest.mark.parametrize("user_id", ["1", 1.0, None, True, 0, -1, 10**20, [1]], ids=lambda v: repr(v))
def test_charge_bad_user_id(client_for, user, user_id):
    body = assert_problem(charge(client_for(user), user_id, 1_000), 400, "INVALID_REQUEST", "잘못된 요청")
    assert body["errors"][0]["field"] == "userId"
    assert_nothing_written()


def test_charge_missing_user_id(client_for, user):
    response = client_for(user).post("/api/balance/charge", {"amount": 1_000}, format="json")
    assert_problem(response, 400, "INVALID_REQUEST")
    assert_nothing_written()


@pytest.mark.parametrize("raw", ["{not json", '{"userId": 1, "amount": 10', "", "[1, 2]", '"text"', "null"])
def test_charge_malformed_body(client_for, user, raw):
    response = client_for(user).post("/api/balance/charge", data=raw, content_type="application/json")
    assert_problem(response, 400, "INVALID_REQUEST")
    assert_nothing_written()


def test_charge_needs_a_token(api, user):
    assert_problem(charge(api, user.pk, 1_000), 401, "UNAUTHENTICATED", "인증 오류")
    assert_nothing_written()


def test_charge_is_rate_limited(client_for, user, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "charge", "2/minute")
    client = client_for(user)
    assert charge(client, user.pk, 100).status_code == 200
    assert charge(client, user.pk, 100).status_code == 200
    response = charge(client, user.pk, 100)
    assert_problem(response, 429, "RATE_LIMITED", "요청이 너무 많음")
    assert "Retry-After" in response
    assert LedgerEntry.objects.count() == 2


def test_get_balance(client_for, user):
    balance_charge(user_id=user.pk, amount=7_000)
    response = client_for(user).get(f"/api/balance/{user.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["userId"] == user.pk
    assert body["balance"] == 7_000
    assert ISO_KST.match(body["updatedAt"]), body["updatedAt"]


def test_get_balance_without_a_row_reads_zero(client_for, user):
    response = client_for(user).get(f"/api/balance/{user.pk}")
    assert response.json() == {"userId": user.pk, "balance": 0, "updatedAt": None}
    assert not Balance.objects.exists()  # reading writes nothing


def test_get_balance_of_someone_else(client_for, user, other_user):
    assert_problem(client_for(user).get(f"/api/balance/{other_user.pk}"), 403, "FORBIDDEN")
    assert_problem(client_for(user).get("/api/balance/987654321"), 403, "FORBIDDEN")


def test_staff_reads_any_balance_and_unknown_is_invalid_user(client_for, staff, user):
    balance_charge(user_id=user.pk, amount=1_000)
    assert client_for(staff).get(f"/api/balance/{user.pk}").json()["balance"] == 1_000
    assert_problem(client_for(staff).get("/api/balance/987654321"), 404, "INVALID_USER", "유효하지 않은 사용자")


@pytest.mark.parametrize("raw", ["abc", "1.5", "-1", "0", "99999999999999999999", "%EC%9E%94", "1e3"])
def test_non_integer_user_id_in_path(client_for, staff, raw):
    assert_problem(client_for(staff).get(f"/api/balance/{raw}"), 400, "INVALID_REQUEST")
    assert_problem(client_for(staff).get(f"/api/balance/{raw}/history"), 400, "INVALID_REQUEST")


def test_history_newest_first_and_paged(client_for, user):
    for amount in (100, 200, 300, 400, 500):
        balance_charge(user_id=user.pk, amount=amount)
    client = client_for(user)
    page0 = client.get(f"/api/balance/{user.pk}/history?page=0&size=2").json()
    assert page0["page"] == 0 and page0["size"] == 2
    assert page0["totalItems"] == 5 and page0["totalPages"] == 3
    assert [item["amount"] for item in page0["items"]] == [500, 400]
    assert [item["balanceAfter"] for item in page0["items"]] == [1500, 1000]
    item = page0["items"][0]
    assert set(item) == {"transactionId", "type", "amount", "balanceAfter", "orderId", "createdAt"}
    assert item["type"] == "CHARGE" and item["orderId"] is None
    assert ISO_KST.match(item["createdAt"])
    assert item["transactionId"] == LedgerEntry.objects.order_by("-id").first().pk

    page2 = client.get(f"/api/balance/{user.pk}/history?page=2&size=2").json()
    assert [item["amount"] for item in page2["items"]] == [100]
    assert client.get(f"/api/balance/{user.pk}/history?page=9&size=2").json()["items"] == []
    default = client.get(f"/api/balance/{user.pk}/history").json()
    assert default["size"] == 20 and default["page"] == 0 and len(default["items"]) == 5


def test_history_query_count_does_not_grow(client_for, user, django_assert_max_num_queries):
    for _ in range(30):
        balance_charge(user_id=user.pk, amount=100)
    client = client_for(user)
    with django_assert_max_num_queries(4):
        assert len(client.get(f"/api/balance/{user.pk}/history?size=30").json()["items"]) == 30


@pytest.mark.parametrize("query", ["page=-1", "page=a", "size=0", "size=101", "size=1.5"])
def test_history_bad_paging(client_for, user, query):
    assert_problem(client_for(user).get(f"/api/balance/{user.pk}/history?{query}"), 400, "INVALID_REQUEST")


def test_history_of_someone_else_and_unknown(client_for, user, other_user, staff):
    assert_problem(client_for(user).get(f"/api/balance/{other_user.pk}/history"), 403, "FORBIDDEN")
    assert_problem(client_for(staff).get("/api/balance/987654321/history"), 404, "INVALID_USER")
    assert client_for(staff).get(f"/api/balance/{other_user.pk}/history").json()["totalItems"] == 0


def test_problem_bodies_are_json(client_for, user):
    response = charge(client_for(user), user.pk, 0)
    assert json.loads(response.content)["code"] == "INVALID_AMOUNT"


def test_staff_charge_for_an_id_beyond_any_user_is_invalid_user(client_for, staff):
    # auth_user.id is 32-bit: a larger (schema-valid) userId names nobody; found by the staff fuzz pass
    response = client_for(staff).post(
        "/api/balance/charge", {"userId": 8_523_462_539_324_007, "amount": 14_800}, format="json"
    )
    assert_problem(response, 404, "INVALID_USER")
    assert not LedgerEntry.objects.exists()
