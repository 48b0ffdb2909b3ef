"""Real threads against the real database, started together by a barrier; invariants are checked
on the final state."""

import pytest
from django.db import transaction
from django.db.models import Sum

from balances.errors import InsufficientBalance
from balances.models import Balance, LedgerEntry
from balances.services import balance_charge, balance_debit, balance_lock
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def assert_ledger_replays_to_balance(user):
    """Walking the ledger in commit order (ids are taken under the row lock) gives every
    balance_after, never below 0, ending at the balance: no update was lost."""
    running = 0
    for amount, after in LedgerEntry.objects.filter(user=user).order_by("id").values_list("amount", "balance_after"):
        running += amount
        assert after == running >= 0
    assert Balance.objects.get(user=user).amount == running
    assert (LedgerEntry.objects.filter(user=user).aggregate(s=Sum("amount"))["s"] or 0) == running


def test_100_concurrent_charges_lose_nothing(user):
    amounts = list(range(1, 101))
    results = run_concurrently([lambda a=a: balance_charge(user_id=user.pk, amount=a) for a in amounts])
    assert all(isinstance(r, LedgerEntry) for r in results), [r for r in results if not isinstance(r, LedgerEntry)]
    assert Balance.objects.get(user=user).amount == sum(amounts)
    assert LedgerEntry.objects.filter(user=user, type="CHARGE").count() == 100
    assert_ledger_replays_to_balance(user)


def test_concurrent_charges_never_pass_the_cap(user, settings):
    settings.BALANCE_MAX = 10_000
    results = run_concurrently([lambda: balance_charge(user_id=user.pk, amount=1_000) for _ in range(30)])
    assert sum(isinstance(r, LedgerEntry) for r in results) == 10
    assert Balance.objects.get(user=user).amount == 10_000
    assert_ledger_replays_to_balance(user)


def test_mixed_charges_and_debits_never_go_negative(user):
    balance_charge(user_id=user.pk, amount=50_000)

    def charge():
        return balance_charge(user_id=user.pk, amount=1_000)

    def debit_locked(order_id):
        with transaction.atomic():
            balance_lock(user_id=user.pk)
            return balance_debit(user_id=user.pk, amount=3_000, order_id=order_id)

    def debit_unlocked(order_id):
        with transaction.atomic():
            return balance_debit(user_id=user.pk, amount=3_000, order_id=order_id)

    jobs = []
    for i in range(30):
        jobs.append(charge)
        jobs.append(lambda i=i: (debit_locked if i % 2 else debit_unlocked)(i + 1))
    results = run_concurrently(jobs)

    unexpected = [r for r in results if not isinstance(r, (LedgerEntry, InsufficientBalance))]
    assert not unexpected, unexpected
    charged = sum(1 for r in results if isinstance(r, LedgerEntry) and r.type == "CHARGE")
    paid = sum(1 for r in results if isinstance(r, LedgerEntry) and r.type == "PAYMENT")
    refused = sum(1 for r in results if isinstance(r, InsufficientBalance))
    assert charged == 30
    assert paid + refused == 30
    assert refused >= 4  # 30 × 3,000 > 50,000 + 30 × 1,000: some payments must be refused
    assert Balance.objects.get(user=user).amount == 50_000 + 1_000 * charged - 3_000 * paid >= 0
    assert LedgerEntry.objects.filter(type="PAYMENT").count() == paid
    assert_ledger_replays_to_balance(user)
