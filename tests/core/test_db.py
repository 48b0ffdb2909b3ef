"""core.db.insert_from: a row written from what another statement returns, in one round trip."""

import pytest

from balances.models import Balance, LedgerEntry
from core.db import insert_from
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db

RAISE = f"UPDATE {Balance._meta.db_table} SET amount = amount + %s WHERE user_id = %s AND amount >= %s RETURNING amount"  # noqa: S608


def test_the_row_takes_the_named_values_from_the_source_statement(django_assert_num_queries):
    user = UserFactory()
    Balance.objects.create(user=user, amount=1_000)
    entry = LedgerEntry(user_id=user.pk, type=LedgerEntry.Type.CHARGE, amount=500, reason="테스트")

    with django_assert_num_queries(1):
        written = insert_from(entry, source=RAISE, params=[500, user.pk, 0], taken={"balance_after": "amount"})

    assert written is True
    assert entry.pk is not None and entry.balance_after == 1_500
    stored = LedgerEntry.objects.get(pk=entry.pk)
    assert (stored.user_id, stored.type, stored.amount, stored.balance_after, stored.reason) == (
        user.pk,
        "CHARGE",
        500,
        1_500,
        "테스트",
    )
    assert stored.created_at is not None
    assert Balance.objects.get(user=user).amount == 1_500


def test_nothing_is_inserted_when_the_source_returns_no_row():
    user = UserFactory()
    Balance.objects.create(user=user, amount=100)
    entry = LedgerEntry(user_id=user.pk, type=LedgerEntry.Type.PAYMENT, amount=-500)

    written = insert_from(entry, source=RAISE, params=[-500, user.pk, 500], taken={"balance_after": "amount"})

    assert written is False
    assert entry.pk is None
    assert not LedgerEntry.objects.exists()
    assert Balance.objects.get(user=user).amount == 100
