"""balance_charge's statement budget, pinned. Counted on committed transactions
(`transaction=True`): no test savepoints in the count, and BEGIN and COMMIT are in it."""

import pytest

from balances.services import balance_charge

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_charge_is_one_statement(user, django_assert_num_queries):
    balance_charge(user_id=user.pk, amount=1_000)
    # BEGIN; the conditional UPDATE with its CHARGE ledger row, in one statement; COMMIT
    with django_assert_num_queries(3):
        balance_charge(user_id=user.pk, amount=1_000)


def test_a_first_charge_creates_the_row_then_charges(user, django_assert_num_queries):
    # BEGIN; the UPDATE finds no row (1); the row checked missing (1), the user checked to exist
    # (1) and the row inserted (1); the UPDATE again (1); COMMIT
    with django_assert_num_queries(7):
        balance_charge(user_id=user.pk, amount=1_000)
