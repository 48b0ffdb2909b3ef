"""Demo balances for a local run (called by `manage.py load_demo`). Idempotent: a user who already
has any ledger history is left alone, so running it twice charges nothing the second time."""

from django.db import transaction

from balances.models import LedgerEntry
from balances.services import balance_charge, balance_lock

DEMO_STARTING_BALANCE = 100_000


def load_demo_balances(*, user_ids: list[int]) -> int:
    """Charges DEMO_STARTING_BALANCE to each user without a ledger yet; returns how many."""
    charged = 0
    for user_id in user_ids:
        with transaction.atomic():
            balance_lock(user_id=user_id)  # two loaders at once cannot both see "no ledger yet"
            if not LedgerEntry.objects.filter(user_id=user_id).exists():
                balance_charge(user_id=user_id, amount=DEMO_STARTING_BALANCE)
                charged += 1
    return charged
