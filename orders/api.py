from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.fields import IdField, StrictIntegerField
from core.api.pagination import page_body, page_parameters, page_params, page_serializer
from core.api.permissions import ensure_self_or_staff
from core.api.schema import problems
from core.api.throttling import ScopedRateThrottle
from core.api.user_ids import user_id_parameter, user_id_parse
from core.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from core.users import user_require
from orders.lines import MAX_LINES, MAX_QUANTITY
from orders.selectors import order_page, order_visible
from orders.serializers import OrderOut, order_body
from orders.services import order_cancel, order_place


def _ensure_user_exists(request, user_id: int) -> None:
    """Staff may act for any user; an id that is nobody's is INVALID_USER, not a foreign-key crash
    (the caller's own id needs no query)."""
    if user_id != request.user.pk:
        user_require(user_id)


QUEUE_TICKET_PARAMETER = OpenApiParameter(
    "Queue-Ticket",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The caller's ADMITTED waiting-room ticket, needed to order a drop whose waiting room is on",
)


class LineIn(serializers.Serializer):
    productId = IdField()
    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY)


class OrderIn(serializers.Serializer):
    userId = IdField()
    # The limits are orders.lines' (the cart obeys them too); stated here as well so that the
    # OpenAPI schema documents them (minItems/maxItems).
    products = serializers.ListField(
        child=LineIn(),
        min_length=1,
        max_length=MAX_LINES,
        error_messages={
            "not_a_list": "상품 목록(배열)이어야 합니다.",
            "min_length": f"주문 상품은 1개 이상 {MAX_LINES}개 이하여야 합니다.",
            "max_length": f"주문 상품은 1개 이상 {MAX_LINES}개 이하여야 합니다.",
        },
    )
    couponId = IdField(required=False, allow_null=True, default=None)
    addressId = IdField(
        required=False,
        allow_null=True,
        default=None,
        help_text="배송지 (호출한 사용자의 것). 없거나 null이면 기본 배송지, 배송지가 하나도 없으면 배송지 없이 주문",
    )


OrderPage = page_serializer(OrderOut, "OrderPage")


# What the schema says of both operations on /api/orders, and OPTIONS of the URL: the text they
# were published with when one class served both.
ORDERS_DESCRIPTION = "POST places an order (throttled per user, Idempotency-Key aware); GET lists a user's orders."


class OrderCreateApi(APIView):
    """Places an order: throttled per user, Idempotency-Key aware."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "order"

    @extend_schema(
        operation_id="order_create",
        description=ORDERS_DESCRIPTION,
        parameters=[IDEMPOTENCY_KEY_PARAMETER, QUEUE_TICKET_PARAMETER],
        request=OrderIn,
        responses={
            201: OrderOut,
            **problems(
                (400, "INVALID_REQUEST"),
                (401, "UNAUTHENTICATED"),
                (403, "FORBIDDEN"),
                (404, "INVALID_USER | PRODUCT_NOT_FOUND | ADDRESS_NOT_FOUND"),
                (
                    409,
                    "SALE_NOT_STARTED | SALE_ENDED | QUEUE_TICKET_REQUIRED | PURCHASE_LIMIT_EXCEEDED | INVALID_COUPON"
                    " | OUT_OF_STOCK | INSUFFICIENT_BALANCE | IDEMPOTENCY_IN_PROGRESS",
                ),
                (422, "IDEMPOTENCY_KEY_REUSED"),
                (429, "RATE_LIMITED"),
                (503, "SERVICE_UNAVAILABLE"),
            ),
        },
    )
    def post(self, request):
        return idempotent(request, lambda: self._place(request))

    def _place(self, request):
        data = OrderIn(data=request.data)
        data.is_valid(raise_exception=True)
        user_id = data.validated_data["userId"]
        ensure_self_or_staff(request.user, user_id)
        _ensure_user_exists(request, user_id)
        order = order_place(
            user_id=user_id,
            lines=[(line["productId"], line["quantity"]) for line in data.validated_data["products"]],
            coupon_id=data.validated_data["couponId"],
            address_id=data.validated_data["addressId"],
            # One ticket is for one product; handed to every line, it counts only for its own.
            queue_tickets=dict.fromkeys(
                (line["productId"] for line in data.validated_data["products"]), request.headers.get("Queue-Ticket")
            )
            if request.headers.get("Queue-Ticket")
            else None,
        )
        return Response(order_body(order), status=status.HTTP_201_CREATED)


class OrderListApi(APIView):
    """A user's orders, a page at a time (the caller's own unless staff)."""

    # OPTIONS /api/orders is answered here (core.api.routing): the URL's name and text as before.
    name = "Orders Api"
    description = ORDERS_DESCRIPTION

    @extend_schema(
        operation_id="order_list",
        description=ORDERS_DESCRIPTION,
        parameters=[
            user_id_parameter(OpenApiParameter.QUERY, description="기본값: 호출한 사용자 (양의 정수)"),
            *page_parameters(default_size=20),
        ],
        responses={
            200: OrderPage,
            **problems((400, "INVALID_REQUEST"), (401, "UNAUTHENTICATED"), (403, "FORBIDDEN"), (404, "INVALID_USER")),
        },
    )
    def get(self, request):
        params = page_params(request.query_params, default_size=20)
        raw = request.query_params.get("userId")
        user_id = request.user.pk if raw is None else user_id_parse(raw)
        ensure_self_or_staff(request.user, user_id)
        _ensure_user_exists(request, user_id)
        orders, total = order_page(user_id=user_id, params=params)
        return Response(page_body([order_body(order) for order in orders], params, total))


class OrderDetailApi(APIView):
    @extend_schema(
        operation_id="order_get",
        responses={200: OrderOut, **problems((401, "UNAUTHENTICATED"), (404, "ORDER_NOT_FOUND"))},
    )
    def get(self, request, orderId: int):  # path names as in API.md
        return Response(order_body(order_visible(order_id=orderId, actor=request.user)))


class OrderCancelApi(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "order"

    @extend_schema(
        operation_id="order_cancel",
        request=None,
        responses={
            200: OrderOut,
            **problems(
                (401, "UNAUTHENTICATED"),
                (404, "ORDER_NOT_FOUND"),
                (409, "ORDER_NOT_CANCELLABLE"),
                (429, "RATE_LIMITED"),
            ),
        },
    )
    def post(self, request, orderId: int):
        return Response(order_body(order_cancel(order_id=orderId, actor=request.user)))
