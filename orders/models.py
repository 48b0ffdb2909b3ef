from django.conf import settings
from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.db.models import F, Q


class Order(models.Model):
    """A paid order. Amounts are won: paid = total - discount, all never negative."""

    class Status(models.TextChoices):
        PAID = "PAID", "결제 완료"
        CANCELLED = "CANCELLED", "취소됨"

    class Fulfilment(models.TextChoices):
        NONE = "NONE", "결제 완료"
        PREPARING = "PREPARING", "상품 준비중"
        SHIPPED = "SHIPPED", "배송중"
        DELIVERED = "DELIVERED", "배송 완료"

    # No index of its own: order_user_newest (user, -id) serves every lookup by user.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders", db_index=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PAID)
    total_amount = models.BigIntegerField()
    discount_amount = models.BigIntegerField(default=0)
    paid_amount = models.BigIntegerField()
    # The user coupon spent on this order. A cancelled order gives it back, so one user coupon may
    # appear on several orders over time, at most one of them PAID.
    user_coupon = models.ForeignKey(
        "coupons.UserCoupon", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The coupon drop id (API `couponId`), kept beside the user coupon so an order reads in one row.
    coupon_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The delivery address as it was when the order was placed (addresses.selectors.address_copy,
    # the API's keys), or null: an order placed through the seed's API body may have none.
    shipping_address = models.JSONField("배송지", null=True, blank=True)
    # After payment the order moves forward only (orders.fulfilment): NONE → PREPARING → SHIPPED →
    # DELIVERED, beside `status`, which stays PAID or CANCELLED.
    fulfilment_status = models.CharField(
        "배송 상태", max_length=10, choices=Fulfilment.choices, default=Fulfilment.NONE
    )
    carrier = models.CharField("택배사", max_length=50, blank=True, default="")
    tracking_number = models.CharField("송장번호", max_length=40, blank=True, default="")
    shipped_at = models.DateTimeField("발송일시", null=True, blank=True)
    delivered_at = models.DateTimeField("배송완료일시", null=True, blank=True)

    # The lines in product order, where orders.selectors prefetches them (and on a placed order).
    line_list: list["OrderLine"]

    class Meta:
        verbose_name = "주문"
        verbose_name_plural = "주문"
        indexes = [
            models.Index(fields=["user", "-id"], name="order_user_newest"),
            # The admin's operations view reads orders by time (orders.dashboard). BRIN, not a
            # B-tree: orders are inserted in time order, so a few pages summarise a day, and an
            # order insert does not pay for another B-tree on the purchase path.
            BrinIndex(fields=["created_at"], name="order_created_brin"),
            # Today's cancels on that view; partial, so a new (paid) order adds no entry to it.
            models.Index(fields=["cancelled_at"], condition=Q(cancelled_at__isnull=False), name="order_cancelled_at"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total_amount__gte=0), name="order_total_gte_0"),
            models.CheckConstraint(
                condition=Q(discount_amount__gte=0, discount_amount__lte=F("total_amount")),
                name="order_discount_within_total",
            ),
            models.CheckConstraint(
                condition=Q(paid_amount=F("total_amount") - F("discount_amount")),
                name="order_paid_is_total_less_discount",
            ),
            models.CheckConstraint(
                condition=Q(status="PAID", cancelled_at__isnull=True)
                | Q(status="CANCELLED", cancelled_at__isnull=False),
                name="order_cancelled_at_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(fulfilment_status__in=["NONE", "PREPARING", "SHIPPED", "DELIVERED"]),
                name="order_fulfilment_status_valid",
            ),
            # Shipped means a parcel a shopper can track; a shipped order is never cancelled.
            models.CheckConstraint(
                condition=Q(fulfilment_status__in=["NONE", "PREPARING"])
                | (Q(status="PAID", shipped_at__isnull=False) & ~Q(carrier="") & ~Q(tracking_number="")),
                name="order_shipped_has_tracking",
            ),
            models.CheckConstraint(
                condition=Q(fulfilment_status="DELIVERED", delivered_at__isnull=False)
                | (~Q(fulfilment_status="DELIVERED") & Q(delivered_at__isnull=True)),
                name="order_delivered_at_matches_fulfilment",
            ),
        ]

    def __str__(self) -> str:
        return f"주문 #{self.pk}"


class OrderLine(models.Model):
    """One product of an order, with the name and unit price captured when it was bought."""

    # No index of its own: order_line_one_per_product (order, product) serves lookups by order.
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", db_index=False)
    product = models.ForeignKey("products.Product", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    unit_price = models.BigIntegerField()
    quantity = models.PositiveIntegerField()
    amount = models.BigIntegerField()

    class Meta:
        verbose_name = "주문 상품"
        verbose_name_plural = "주문 상품"
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="order_line_one_per_product"),
            models.CheckConstraint(condition=Q(quantity__gte=1, quantity__lte=100), name="order_line_quantity_1_100"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="order_line_unit_price_gt_0"),
            models.CheckConstraint(condition=Q(amount=F("unit_price") * F("quantity")), name="order_line_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}"
