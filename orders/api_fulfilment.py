"""Staff API: POST /api/orders/{orderId}/fulfilment moves an order's fulfilment forward."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.fields import StrictCharField
from core.api.permissions import IsStaff
from core.api.schema import problems
from orders.fulfilment import CARRIER_MAX, TRACKING_MAX, fulfilment_advance
from orders.serializers import OrderOut, order_body


class FulfilmentIn(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["NONE", "PREPARING", "SHIPPED", "DELIVERED"],
        error_messages={"invalid_choice": "NONE, PREPARING, SHIPPED, DELIVERED 중 하나여야 합니다."},
    )
    carrier = StrictCharField(
        required=False, allow_null=True, allow_blank=True, max_length=CARRIER_MAX, help_text="SHIPPED일 때 필수"
    )
    trackingNumber = StrictCharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=TRACKING_MAX,
        help_text="SHIPPED일 때 필수 (영문, 숫자, 하이픈 4~40자)",
    )


class OrderFulfilmentApi(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="order_fulfilment",
        request=FulfilmentIn,
        responses={
            200: OrderOut,
            **problems(
                (400, "INVALID_REQUEST"),
                (401, "UNAUTHENTICATED"),
                (403, "FORBIDDEN"),
                (404, "ORDER_NOT_FOUND"),
                (409, "INVALID_FULFILMENT"),
            ),
        },
    )
    def post(self, request, orderId: int):  # path names as in API.md
        data = FulfilmentIn(data=request.data)
        data.is_valid(raise_exception=True)
        order = fulfilment_advance(
            order_id=orderId,
            status=data.validated_data["status"],
            carrier=data.validated_data.get("carrier") or "",
            tracking_number=data.validated_data.get("trackingNumber") or "",
        )
        return Response(order_body(order))
