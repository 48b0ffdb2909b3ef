from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from addresses import rules


class Address(models.Model):
    """One entry of a shopper's address book. An order copies it when it is placed
    (orders.Order.shipping_address), so editing or deleting an entry never changes a past order."""

    # No index of its own: address_book (user, -is_default, -id) serves every lookup by user.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses", db_index=False
    )
    recipient = models.CharField("받는 분", max_length=rules.RECIPIENT_MAX)
    phone = models.CharField("연락처", max_length=rules.PHONE_MAX, validators=[rules.validate_phone])
    postal_code = models.CharField("우편번호", max_length=5, validators=[rules.validate_postal_code])
    address = models.CharField("주소", max_length=rules.ADDRESS_MAX)
    address_detail = models.CharField("상세주소", max_length=rules.DETAIL_MAX, blank=True)
    memo = models.CharField("배송 메모", max_length=rules.MEMO_MAX, blank=True, help_text="예: 문 앞에 놓아 주세요")
    is_default = models.BooleanField("기본 배송지", default=False)
    created_at = models.DateTimeField("등록일시", default=timezone.now)

    class Meta:
        verbose_name = "배송지"
        verbose_name_plural = "배송지"
        indexes = [models.Index(fields=["user", "-is_default", "-id"], name="address_book")]
        constraints = [
            # At most one default per shopper, held by the database whatever the code does; the
            # services keep it at exactly one while the book is not empty.
            models.UniqueConstraint(fields=["user"], condition=Q(is_default=True), name="address_one_default"),
            models.CheckConstraint(condition=Q(postal_code__regex=rules.POSTAL_CODE_PATTERN), name="address_postal_5"),
            models.CheckConstraint(condition=Q(phone__regex=rules.PHONE_PATTERN), name="address_phone_kr"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} ({self.postal_code}) {self.address}"
