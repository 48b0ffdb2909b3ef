import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Sum

from accounts.services import user_signup
from balances.errors import InsufficientBalance, InvalidAmount
from balances.models import Balance, LedgerEntry
from balances.selectors import balance_get, balance_history
from balances.services import (
    balance_adjust,
    balance_charge,
    balance_create,
    balance_debit,
    balance_lock,
    balance_refund,
)
from core.errors import Forbidden, InvalidRequest, InvalidUser

pytestmark = pytest.mark.django_db


def ledger_sum(user) -> int:
    return LedgerEntry.objects.filter(user=user).aggregate(s=Sum("amount"))["s"] or 0


def assert_consistent(user, expected: int):
    assert Balance.objects.get(user=user).amount == expected
    assert ledger_sum(user) == expected


def test_signup_creates_a_balance():
    user = user_signup(username="newbie", password="flash-Sale-2026!")
    balance = Balance.objects.get(user=user)
    assert balance.amount == 0
    assert not LedgerEntry.objects.exists()


def test_balance_create_is_idempotent(user):
    balance_create(user_id=user.pk)
    balance_charge(user_id=user.pk, amount=500)
    balance_create(user_id=user.pk)
    assert_consistent(user, 500)


def test_charge_creates_the_row_on_first_use(user):
    entry = balance_charge(user_id=user.pk, amount=1_000)
    assert (entry.type, entry.amount, entry.balance_after, entry.order_id) == ("CHARGE", 1_000, 1_000, None)
    assert_consistent(user, 1_000)


@pytest.mark.parametrize("amount", [0, -1, 1.5, "10", None, True, 10**20, 1_000_001])
def test_charge_refuses_bad_amounts(user, amount):
    with pytest.raises(InvalidAmount):
        balance_charge(user_id=user.pk, amount=amount)
    assert not Balance.objects.exists() and not LedgerEntry.objects.exists()


def test_charge_unknown_user():
    with pytest.raises(InvalidUser):
        balance_charge(user_id=987654321, amount=1_000)
    assert not Balance.objects.exists()


def test_debit_and_refund(user):
    balance_charge(user_id=user.pk, amount=10_000)
    with transaction.atomic():
        assert balance_lock(user_id=user.pk) == 10_000
        payment = balance_debit(user_id=user.pk, amount=3_000, order_id=42)
    assert (payment.type, payment.amount, payment.balance_after, payment.order_id) == ("PAYMENT", -3_000, 7_000, 42)
    refund = balance_refund(user_id=user.pk, amount=3_000, order_id=42)
    assert (refund.type, refund.amount, refund.balance_after, refund.order_id) == ("REFUND", 3_000, 10_000, 42)
    assert_consistent(user, 10_000)


def test_debit_insufficient_writes_nothing(user):
    balance_charge(user_id=user.pk, amount=1_000)
    with pytest.raises(InsufficientBalance) as info, transaction.atomic():
        balance_debit(user_id=user.pk, amount=1_001, order_id=1)
    assert info.value.code == "INSUFFICIENT_BALANCE" and info.value.status == 409 and info.value.title == "잔액 부족"
    assert_consistent(user, 1_000)
    assert LedgerEntry.objects.count() == 1


def test_debit_without_a_row_is_insufficient(user):
    with pytest.raises(InsufficientBalance), transaction.atomic():
        balance_debit(user_id=user.pk, amount=1, order_id=1)
    # a zero payment (an order fully paid by a coupon) is fine and creates the row
    entry = balance_debit(user_id=user.pk, amount=0, order_id=2)
    assert (entry.amount, entry.balance_after) == (0, 0)


def test_debit_rolls_back_with_the_callers_transaction(user):
    balance_charge(user_id=user.pk, amount=5_000)
    with pytest.raises(RuntimeError), transaction.atomic():
        balance_debit(user_id=user.pk, amount=2_000, order_id=7)
        raise RuntimeError("the order failed later")
    assert_consistent(user, 5_000)
    assert not LedgerEntry.objects.filter(type="PAYMENT").exists()


def test_refund_ignores_the_cap(user, settings):
    settings.BALANCE_MAX = 10_000
    balance_charge(user_id=user.pk, amount=10_000)
    balance_refund(user_id=user.pk, amount=5_000, order_id=3)
    assert_consistent(user, 15_000)


@pytest.mark.django_db(transaction=True)
def test_lock_outside_a_transaction_is_a_bug(user):
    with pytest.raises(RuntimeError):
        balance_lock(user_id=user.pk)


def test_lock_creates_the_row(user):
    with transaction.atomic():
        assert balance_lock(user_id=user.pk) == 0
    assert Balance.objects.filter(user=user, amount=0).exists()
    with pytest.raises(InvalidUser), transaction.atomic():
        balance_lock(user_id=987654321)


def test_adjust(user, staff):
    balance_charge(user_id=user.pk, amount=1_000)
    up = balance_adjust(user_id=user.pk, amount=500, reason="  보상 지급  ", staff_user_id=staff.pk)
    assert (up.type, up.amount, up.balance_after, up.reason, up.staff_user_id) == (
        "ADJUSTMENT",
        500,
        1_500,
        "보상 지급",
        staff.pk,
    )
    down = balance_adjust(user_id=user.pk, amount=-1_500, reason="오입금 회수", staff_user_id=staff.pk)
    assert down.balance_after == 0
    assert_consistent(user, 0)


def test_adjust_never_below_zero_nor_above_cap(user, staff, settings):
    settings.BALANCE_MAX = 2_000
    balance_charge(user_id=user.pk, amount=1_000)
    with pytest.raises(InsufficientBalance):
        balance_adjust(user_id=user.pk, amount=-1_001, reason="x", staff_user_id=staff.pk)
    with pytest.raises(InvalidAmount):
        balance_adjust(user_id=user.pk, amount=1_001, reason="x", staff_user_id=staff.pk)
    assert_consistent(user, 1_000)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"amount": 0}, InvalidAmount),
        ({"amount": 1.5}, InvalidAmount),
        ({"amount": True}, InvalidAmount),
        ({"reason": "   "}, InvalidRequest),
        ({"reason": "x" * 501}, InvalidRequest),
        ({"staff_user_id": None}, Forbidden),
        ({"user_id": 987654321}, InvalidUser),
    ],
)
def test_adjust_refuses(user, staff, kwargs, error):
    args = {"user_id": user.pk, "amount": 100, "reason": "사유", "staff_user_id": staff.pk, **kwargs}
    if args["staff_user_id"] is None:
        args["staff_user_id"] = user.pk  # not staff
    with pytest.raises(error):
        balance_adjust(**args)
    assert not LedgerEntry.objects.exists()


def test_ledger_rows_cannot_be_updated_or_deleted(user):
    entry = balance_charge(user_id=user.pk, amount=1_000)
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=5)
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    assert LedgerEntry.objects.get(pk=entry.pk).amount == 1_000


def test_database_refuses_a_negative_balance(user):
    balance_create(user_id=user.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Balance.objects.filter(user=user).update(amount=-1)


def test_selectors(user):
    assert balance_get(user_id=user.pk).amount == 0
    balance_charge(user_id=user.pk, amount=300)
    balance_charge(user_id=user.pk, amount=200)
    snapshot = balance_get(user_id=user.pk)
    assert (snapshot.amount, snapshot.user_id) == (500, user.pk) and snapshot.updated_at is not None
    page = balance_history(user_id=user.pk, page=0, size=1)
    assert page.total == 2 and [e.amount for e in page.items] == [200]
    with pytest.raises(InvalidUser):
        balance_get(user_id=987654321)
    with pytest.raises(InvalidUser):
        balance_history(user_id=987654321, page=0, size=10)


def test_signup_through_the_api_creates_a_balance(api):
    response = api.post("/api/auth/signup", {"username": "apinew", "password": "flash-Sale-2026!"}, format="json")
    assert response.status_code == 201
    assert Balance.objects.get(user_id=response.json()["userId"]).amount == 0
