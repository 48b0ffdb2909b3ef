"""Reads of balances. A user without a balance row reads as 0."""

from dataclasses import dataclass
from datetime import datetime

from balances.models import Balance, LedgerEntry
from core.replicas import history_read
from core.users import user_require


@dataclass(frozen=True)
class BalanceSnapshot:
    user_id: int
    amount: int
    updated_at: datetime | None  # None: the balance was never touched


@dataclass(frozen=True)
class LedgerPage:
    items: list[LedgerEntry]
    total: int


def balance_get(*, user_id: int) -> BalanceSnapshot:
    """The user's current balance. Raises INVALID_USER for an unknown user."""
    row = Balance.objects.filter(user_id=user_id).values_list("amount", "updated_at").first()
    if row is None:
        user_require(user_id)
        return BalanceSnapshot(user_id=user_id, amount=0, updated_at=None)
    return BalanceSnapshot(user_id=user_id, amount=row[0], updated_at=row[1])


@history_read
def balance_history(*, user_id: int, page: int, size: int) -> LedgerPage:
    """The user's ledger, newest first, `page` 0-based (served by the (user, -id) index).
    Raises INVALID_USER for an unknown user."""
    user_require(user_id)
    entries = LedgerEntry.objects.filter(user_id=user_id)
    total = entries.count()
    offset = page * size
    items = list(entries.order_by("-id")[offset : offset + size]) if offset < total else []
    return LedgerPage(items=items, total=total)
