from django.conf import settings
from django.db import models
from django.db.models import F, Q


class DiscountType(models.TextChoices):
    FIXED = "FIXED", "정액 할인"
    PERCENT = "PERCENT", "정률 할인"


class CouponDrop(models.Model):
    """A limited first-come-first-served coupon drop. `issued_count` is the source of truth for
    how many were handed out; the Redis gate in front of it is only a fast, rebuildable copy."""

    name = models.CharField("이름", max_length=100)
    discount_type = models.CharField("할인 방식", max_length=10, choices=DiscountType.choices)
    discount_value = models.BigIntegerField("할인 값", help_text="정액이면 원, 정률이면 % (1~100)")
    max_discount_amount = models.BigIntegerField("최대 할인 금액", null=True, blank=True)
    min_order_amount = models.BigIntegerField("최소 주문 금액", null=True, blank=True)
    total_quantity = models.IntegerField("총 수량")
    issued_count = models.IntegerField("발급 수량", default=0, editable=False)
    remaining_quantity: int  # set on the drops coupons.selectors lists (the gate's figure, else the row's)
    issue_starts_at = models.DateTimeField("발급 시작")
    issue_ends_at = models.DateTimeField("발급 종료", null=True, blank=True, help_text="비우면 소진될 때까지")
    valid_days = models.IntegerField("유효 기간(일)")
    created_at = models.DateTimeField("생성 시각", auto_now_add=True)

    class Meta:
        verbose_name = "쿠폰 (선착순 발급)"
        verbose_name_plural = "쿠폰 (선착순 발급)"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(issued_count__lte=F("total_quantity")), name="coupon_issued_lte_total"),
            models.CheckConstraint(condition=Q(issued_count__gte=0), name="coupon_issued_gte_0"),
            models.CheckConstraint(condition=Q(total_quantity__gte=1), name="coupon_total_gte_1"),
            models.CheckConstraint(condition=Q(valid_days__gte=1), name="coupon_valid_days_gte_1"),
            models.CheckConstraint(
                condition=Q(discount_type=DiscountType.FIXED, discount_value__gte=1)
                | Q(discount_type=DiscountType.PERCENT, discount_value__gte=1, discount_value__lte=100),
                name="coupon_discount_value_valid",
            ),
            models.CheckConstraint(
                condition=Q(max_discount_amount__isnull=True) | Q(max_discount_amount__gte=1),
                name="coupon_max_discount_gte_1",
            ),
            models.CheckConstraint(
                condition=Q(min_order_amount__isnull=True) | Q(min_order_amount__gte=0),
                name="coupon_min_order_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(issue_ends_at__isnull=True) | Q(issue_ends_at__gt=F("issue_starts_at")),
                name="coupon_window_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class UserCouponStatus(models.TextChoices):
    AVAILABLE = "AVAILABLE", "사용 가능"
    USED = "USED", "사용 완료"


class UserCoupon(models.Model):
    """One coupon of a drop held by one user. `EXPIRED` is not stored: it is read from
    `expires_at` (see `user_coupon_status`), so nothing has to sweep rows when time passes."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coupons")
    coupon = models.ForeignKey(CouponDrop, on_delete=models.PROTECT, related_name="user_coupons")
    status = models.CharField(max_length=10, choices=UserCouponStatus.choices, default=UserCouponStatus.AVAILABLE)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # A plain id, not a foreign key: coupons must not depend on orders.
    order_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "발급된 쿠폰"
        verbose_name_plural = "발급된 쿠폰"
        constraints = [
            models.UniqueConstraint(fields=["user", "coupon"], name="uniq_user_coupon"),
            models.CheckConstraint(
                condition=Q(status=UserCouponStatus.AVAILABLE, used_at__isnull=True, order_id__isnull=True)
                | Q(status=UserCouponStatus.USED, used_at__isnull=False),
                name="user_coupon_used_fields",
            ),
        ]
        indexes = [models.Index(fields=["user", "-issued_at", "-id"], name="user_coupon_newest")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.coupon_id}"
