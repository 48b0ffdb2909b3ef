"""Writes to balances. Every change of a balance is one conditional atomic UPDATE whose row count
is checked (never read-modify-write in Python) plus one ledger row, in the same transaction.

A balance row is step 1 of the site's lock order (written in `orders.services.order_place`).
"""

from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from balances.errors import InsufficientBalance, InvalidAmount
from balances.models import Balance, LedgerEntry
from core.errors import Forbidden, InvalidRequest, InvalidUser
from core.replicas import pin_user
from core.users import user_require

REASON_MAX_LENGTH = 500


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _require_amount(amount, *, low: int, high: int | None, detail: str) -> None:
    if not _is_int(amount) or amount < low or (high is not None and amount > high):
        raise InvalidAmount(detail, errors=[{"field": "amount", "message": detail}])


# auth_user.id is a 32-bit serial (django.contrib.auth keeps AutoField): a larger id names nobody,
# and PostgreSQL refuses it outright as a parameter of an INSERT into a user_id column.
USER_ID_MAX = 2**31 - 1


def _create_row(user_id: int) -> None:
    """Creates the balance row at 0 if missing. Raises INVALID_USER for an unknown user (checked
    first: the foreign key is deferred, so a bad insert would only fail at commit)."""
    user_require(user_id)
    Balance.objects.bulk_create([Balance(user_id=user_id)], ignore_conflicts=True)


_CONDITIONS = {"amount__gte": "amount >= %s", "amount__lte": "amount <= %s"}


def _change(user_id: int, delta: int, type_: str, *, conditions: dict | None = None, **fields) -> LedgerEntry | None:
    """amount += delta on the user's row if `conditions` (amount__gte / amount__lte) hold, and its
    ledger row (`type_`, `delta`, the new amount as balance_after, `fields`). The UPDATE takes the
    row lock, so the amount it returns is exactly ours. Returns the entry, or None when no balance
    row was updated (nothing written). Raw SQL because the ORM's update() cannot return the row."""
    # Only our table name and the fixed fragments of _CONDITIONS are formatted in; values are parameters.
    sql = f"UPDATE {Balance._meta.db_table} SET amount = amount + %s, updated_at = %s WHERE user_id = %s"  # noqa: S608
    params: list[int | datetime] = [delta, timezone.now(), user_id]
    for name, value in (conditions or {}).items():
        sql += f" AND {_CONDITIONS[name]}"
        params.append(value)
    with connection.cursor() as cursor:
        cursor.execute(sql + " RETURNING amount", params)
        row = cursor.fetchone()
    if row is None:
        return None
    entry = LedgerEntry.objects.create(user_id=user_id, type=type_, amount=delta, balance_after=row[0], **fields)
    pin_user(user_id)  # the shopper reads this change back from the primary (core/replicas.py)
    return entry


def balance_create(*, user_id: int) -> None:
    """Gives an existing user a balance row at 0 (INSERT ... ON CONFLICT DO NOTHING): idempotent and
    safe to call in the caller's transaction, e.g. at signup. A user without a row reads as 0."""
    Balance.objects.bulk_create([Balance(user_id=user_id)], ignore_conflicts=True)
    pin_user(user_id)


def balance_lock(*, user_id: int) -> int:
    """Locks the user's balance row (SELECT ... FOR UPDATE), creating it at 0 first if missing, and
    returns the current amount. Must run inside the caller's transaction (the lock lasts until it
    ends); step 1 of the lock order (`orders.services.order_place`). Raises INVALID_USER for an unknown user."""
    if not connection.in_atomic_block:
        raise RuntimeError("balance_lock must run inside the caller's transaction.atomic()")
    amount = _lock(user_id)
    if amount is None:
        _create_row(user_id)
        amount = _lock(user_id)
    assert amount is not None  # the row exists now, created above in this transaction
    return amount


def _lock(user_id: int) -> int | None:
    # Plain SQL like _change: the first statement of a purchase with a coupon (docs/benchmarks.md #12).
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT amount FROM {Balance._meta.db_table} WHERE user_id = %s FOR UPDATE", [user_id])  # noqa: S608
        row = cursor.fetchone()
    return None if row is None else row[0]


def balance_debit(*, user_id: int, amount: int, order_id: int) -> LedgerEntry:
    """Pays `amount` (≥ 0 won) for an order: amount -= paid only if the balance covers it, plus a
    PAYMENT ledger row (negative amount). Raises INSUFFICIENT_BALANCE otherwise, writing nothing.
    Runs in the caller's transaction (no savepoint): the caller's rollback undoes it."""
    _require_amount(amount, low=0, high=None, detail="결제 금액은 0 이상의 정수여야 합니다.")
    with transaction.atomic(savepoint=False):
        payment = _change(
            user_id, -amount, LedgerEntry.Type.PAYMENT, conditions={"amount__gte": amount}, order_id=order_id
        )
        if payment is None:
            if amount or Balance.objects.filter(user_id=user_id).exists():
                raise InsufficientBalance("잔액이 결제 금액보다 적습니다.")
            _create_row(user_id)
            payment = _change(user_id, 0, LedgerEntry.Type.PAYMENT, order_id=order_id)
        assert payment is not None  # a change of 0 on a row that exists always applies
        return payment


def balance_refund(*, user_id: int, amount: int, order_id: int) -> LedgerEntry:
    """Gives back `amount` (≥ 0 won) paid for an order, plus a REFUND ledger row. Never refused for
    the BALANCE_MAX cap: money paid out of a balance always goes back in. Runs in the caller's
    transaction (no savepoint)."""
    _require_amount(amount, low=0, high=None, detail="환불 금액은 0 이상의 정수여야 합니다.")
    with transaction.atomic(savepoint=False):
        refund = _change(user_id, amount, LedgerEntry.Type.REFUND, order_id=order_id)
        if refund is None:
            _create_row(user_id)
            refund = _change(user_id, amount, LedgerEntry.Type.REFUND, order_id=order_id)
        assert refund is not None  # an unconditional change on a row that exists always applies
        return refund


def balance_charge(*, user_id: int, amount: int) -> LedgerEntry:
    """Charges 1..BALANCE_MAX_CHARGE won, never taking the balance above BALANCE_MAX (checked by the
    UPDATE itself, so concurrent charges cannot overshoot). Writes a CHARGE ledger row in the same
    transaction and returns it (`balance_after` is the final balance). Raises INVALID_AMOUNT for a
    non-integer (bools included) or out-of-range amount and INVALID_USER for an unknown user;
    nothing is written then."""
    _require_amount(
        amount,
        low=1,
        high=settings.BALANCE_MAX_CHARGE,
        detail=f"충전 금액은 1원 이상 {settings.BALANCE_MAX_CHARGE:,}원 이하의 정수여야 합니다.",
    )
    if user_id > USER_ID_MAX:
        raise InvalidUser("존재하지 않는 사용자입니다.")
    headroom = settings.BALANCE_MAX - amount
    with transaction.atomic():
        charge = _change(user_id, amount, LedgerEntry.Type.CHARGE, conditions={"amount__lte": headroom})
        if charge is None:
            if not Balance.objects.filter(user_id=user_id).exists():
                _create_row(user_id)
            charge = _change(user_id, amount, LedgerEntry.Type.CHARGE, conditions={"amount__lte": headroom})
            if charge is None:
                detail = f"충전 후 잔액이 최대 보유 한도({settings.BALANCE_MAX:,}원)를 넘습니다."
                raise InvalidAmount(detail, errors=[{"field": "amount", "message": detail}])
        return charge


def balance_adjust(*, user_id: int, amount: int, reason: str, staff_user_id: int) -> LedgerEntry:
    """A staff correction: adds the signed, non-zero `amount`, with a reason, as an ADJUSTMENT
    ledger row. Never takes the balance below 0 (INSUFFICIENT_BALANCE) or above BALANCE_MAX
    (INVALID_AMOUNT); `staff_user_id` must be a staff user (FORBIDDEN); a blank reason is
    INVALID_REQUEST. Its own transaction; nothing is written on any error."""
    _require_amount(
        amount,
        low=-settings.BALANCE_MAX,
        high=settings.BALANCE_MAX,
        detail=f"조정 금액은 0이 아닌 정수(±{settings.BALANCE_MAX:,}원 이내)여야 합니다.",
    )
    if amount == 0:
        raise InvalidAmount(
            "조정 금액은 0이 아니어야 합니다.", errors=[{"field": "amount", "message": "0은 안 됩니다."}]
        )
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX_LENGTH:
        raise InvalidRequest(
            "조정 사유가 필요합니다.",
            errors=[{"field": "reason", "message": f"1자 이상 {REASON_MAX_LENGTH}자 이하로 입력해 주세요."}],
        )
    if not get_user_model().objects.filter(pk=staff_user_id, is_staff=True, is_active=True).exists():
        raise Forbidden("직원만 잔액을 조정할 수 있습니다.")
    condition = {"amount__gte": -amount} if amount < 0 else {"amount__lte": settings.BALANCE_MAX - amount}
    adjustment = {"reason": reason, "staff_user_id": staff_user_id}
    with transaction.atomic():
        entry = _change(user_id, amount, LedgerEntry.Type.ADJUSTMENT, conditions=condition, **adjustment)
        if entry is None:
            if not Balance.objects.filter(user_id=user_id).exists():
                _create_row(user_id)
            entry = _change(user_id, amount, LedgerEntry.Type.ADJUSTMENT, conditions=condition, **adjustment)
            if entry is None:
                if amount < 0:
                    raise InsufficientBalance("차감 후 잔액이 0원보다 적어집니다.")
                detail = f"조정 후 잔액이 최대 보유 한도({settings.BALANCE_MAX:,}원)를 넘습니다."
                raise InvalidAmount(detail, errors=[{"field": "amount", "message": detail}])
        return entry
