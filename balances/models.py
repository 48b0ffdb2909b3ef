"""One balance per user and its append-only ledger.

Invariant (SPEC §1), always: balance.amount == sum of the user's ledger amounts, and amount >= 0
(also a database CHECK). Rows change only through `balances.services`; the ledger is never
updated or deleted (a trigger in migration 0001 refuses UPDATE and DELETE)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Balance(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,  # the ledger's PROTECT keeps a user with any money history
        related_name="balance",
        verbose_name="사용자",
    )
    amount = models.BigIntegerField("잔액", default=0)
    updated_at = models.DateTimeField("변경 시각", default=timezone.now)

    class Meta:
        verbose_name = "잔액"
        verbose_name_plural = "잔액"
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="balance_amount_non_negative")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.amount:,}원"


class LedgerEntry(models.Model):
    class Type(models.TextChoices):
        CHARGE = "CHARGE", "충전"
        PAYMENT = "PAYMENT", "결제"
        REFUND = "REFUND", "환불"
        ADJUSTMENT = "ADJUSTMENT", "관리자 조정"

    # No index of its own: ledger_user_id_desc (user, -id) serves every lookup by user.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name="사용자",
        db_index=False,
    )
    type = models.CharField("유형", max_length=16, choices=Type.choices)
    amount = models.BigIntegerField("금액")  # signed: payments negative
    balance_after = models.BigIntegerField("변경 후 잔액")
    # A plain id, not a foreign key: balances must not depend on orders (import-linter layers).
    order_id = models.BigIntegerField("주문 번호", null=True, blank=True)
    reason = models.CharField("사유", max_length=500, blank=True, default="")
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="처리한 직원",
    )
    created_at = models.DateTimeField("생성 시각", default=timezone.now)

    class Meta:
        verbose_name = "잔액 원장"
        verbose_name_plural = "잔액 원장"
        indexes = [models.Index(fields=["user", "-id"], name="ledger_user_id_desc")]
        constraints = [
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="ledger_balance_after_non_negative"),
            models.CheckConstraint(
                condition=(
                    Q(type="CHARGE", amount__gt=0)
                    | Q(type="PAYMENT", amount__lte=0)
                    | Q(type="REFUND", amount__gte=0)
                    | (Q(type="ADJUSTMENT") & ~Q(amount=0))
                ),
                name="ledger_amount_sign_matches_type",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.type} {self.amount:+,}원"
