"""The Order object of API.md, used by the API and by the data-platform event alike."""

from rest_framework import serializers


class OrderItemOut(serializers.Serializer):
    productId = serializers.IntegerField(source="product_id")
    name = serializers.CharField()
    unitPrice = serializers.IntegerField(source="unit_price")
    quantity = serializers.IntegerField()
    amount = serializers.IntegerField()


class ShippingAddressOut(serializers.Serializer):
    """The copy of an address an order took when it was placed (addresses.selectors.address_copy)."""

    addressId = serializers.IntegerField(help_text="복사해 온 배송지 (이후 수정·삭제되었을 수 있음)")
    recipient = serializers.CharField()
    phone = serializers.CharField()
    postalCode = serializers.CharField()
    address = serializers.CharField()
    addressDetail = serializers.CharField()
    memo = serializers.CharField(allow_null=True)


class BlankAsNullCharField(serializers.CharField):
    def to_representation(self, value):
        return value or None


class FulfilmentOut(serializers.Serializer):
    status = serializers.ChoiceField(source="fulfilment_status", choices=["NONE", "PREPARING", "SHIPPED", "DELIVERED"])
    carrier = BlankAsNullCharField(allow_null=True)
    trackingNumber = BlankAsNullCharField(source="tracking_number", allow_null=True)
    shippedAt = serializers.DateTimeField(source="shipped_at", allow_null=True)
    deliveredAt = serializers.DateTimeField(source="delivered_at", allow_null=True)


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
    shippingAddress = ShippingAddressOut(source="shipping_address", allow_null=True)
    fulfilment = FulfilmentOut(source="*")


_DATETIME = serializers.DateTimeField()  # one instance: its formatting without a serializer per order


def _when(value):
    return None if value is None else _DATETIME.to_representation(value)


def order_body(order) -> dict:
    """`OrderOut(order).data` written out: the same dict (a test holds them equal), without DRF
    building and deep-copying a serializer and its fields for every order and line. An order is
    rendered twice per purchase (the outbox event and the answer), so the purchase path skips DRF's
    serializer machinery (docs/benchmarks.md #9). `OrderOut` stays the schema."""
    return {
        "orderId": order.pk,
        "userId": order.user_id,
        "status": str(order.status),
        "items": [
            {
                "productId": line.product_id,
                "name": line.name,
                "unitPrice": line.unit_price,
                "quantity": line.quantity,
                "amount": line.amount,
            }
            for line in order.line_list
        ],
        "totalAmount": order.total_amount,
        "discountAmount": order.discount_amount,
        "paidAmount": order.paid_amount,
        "couponId": order.coupon_id,
        "createdAt": _when(order.created_at),
        "cancelledAt": _when(order.cancelled_at),
        "shippingAddress": order.shipping_address,
        "fulfilment": {
            "status": str(order.fulfilment_status),
            "carrier": order.carrier or None,
            "trackingNumber": order.tracking_number or None,
            "shippedAt": _when(order.shipped_at),
            "deliveredAt": _when(order.delivered_at),
        },
    }
