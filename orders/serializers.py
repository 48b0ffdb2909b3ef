"""The Order object of API.md, used by the API and by the data-platform event alike."""

from rest_framework import serializers


class OrderItemOut(serializers.Serializer):
    productId = serializers.IntegerField(source="product_id")
    name = serializers.CharField()
    unitPrice = serializers.IntegerField(source="unit_price")
    quantity = serializers.IntegerField()
    amount = serializers.IntegerField()


class OrderOut(serializers.Serializer):
    """Reads `order.line_list` (set by the services and selectors), so rendering costs no query."""

    orderId = serializers.IntegerField(source="pk")
    userId = serializers.IntegerField(source="user_id")
    status = serializers.ChoiceField(choices=["PAID", "CANCELLED"])
    items = OrderItemOut(source="line_list", many=True)
    totalAmount = serializers.IntegerField(source="total_amount")
    discountAmount = serializers.IntegerField(source="discount_amount")
    paidAmount = serializers.IntegerField(source="paid_amount")
    couponId = serializers.IntegerField(source="coupon_id", allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")
    cancelledAt = serializers.DateTimeField(source="cancelled_at", allow_null=True)


def order_body(order) -> dict:
    return OrderOut(order).data
