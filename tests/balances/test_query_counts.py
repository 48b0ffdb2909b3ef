"""balance_charge's statement budget, pinned. Counted on committed transactions
(`transaction=True`): no test savepoints in the count, and BEGIN and COMMIT are in it."""

import pytest

from balances.services import balance_charge

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_charge_is_two_statements(user, django_assert_num_queries):
    balance_charge(user_id=user.pk, amount=1_000)
    # BEGIN; the conditional UPDATE returning the new amount (1); its CHARGE ledger row (1); COMMIT
    with django_assert_num_queries(4):
        balance_charge(user_id=user.pk, amount=1_000)


def test_a_first_charge_creates_the_row_then_charges(user, django_assert_num_queries):
    # BEGIN; the UPDATE finds no row (1); the row checked missing (1), the user checked to exist
    # (1) and the row inserted (1); the UPDATE again (1) and the ledger row (1); COMMIT
    with django_assert_num_queries(8):
        balance_charge(user_id=user.pk, amount=1_000)
