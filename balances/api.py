from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from balances.models import LedgerEntry
from balances.selectors import balance_get, balance_history
from balances.services import balance_charge
from core.api.fields import IdField, StrictIntegerField
from core.api.pagination import page_body, page_parameters, page_params, page_serializer
from core.api.permissions import ensure_self_or_staff
from core.api.schema import problems
from core.api.throttling import ScopedRateThrottle
from core.api.user_ids import user_id_parameter, user_id_parse
from core.errors import InvalidRequest
from core.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent

USER_ID_PATH = user_id_parameter(OpenApiParameter.PATH, description="사용자 id (양의 정수)")


@extend_schema_serializer(component_name="BalanceOutput")
class BalanceOut(serializers.Serializer):
    userId = serializers.IntegerField(source="user_id")
    balance = serializers.IntegerField(source="amount")
    updatedAt = serializers.DateTimeField(source="updated_at", allow_null=True)


class BalanceDetailApi(APIView):
    @extend_schema(
        operation_id="balance_get",
        parameters=[USER_ID_PATH],
        responses={
            200: BalanceOut,
            **problems((400, "INVALID_REQUEST"), (401, "UNAUTHENTICATED"), (403, "FORBIDDEN"), (404, "INVALID_USER")),
        },
    )
    def get(self, request, userId: str):
        user_id = user_id_parse(userId)
        ensure_self_or_staff(request.user, user_id)
        return Response(BalanceOut(balance_get(user_id=user_id)).data)


@extend_schema_serializer(component_name="BalanceChargeInput")
class BalanceChargeIn(serializers.Serializer):
    userId = IdField()
    # the bounds the service enforces, so the schema states them (checked there, not here)
    amount = StrictIntegerField(
        min_value=1,
        max_value=settings.BALANCE_MAX_CHARGE,
        help_text="1 ≤ amount ≤ BALANCE_MAX_CHARGE, 충전 후 잔액 ≤ BALANCE_MAX",
    )


class BalanceChargeUserIn(serializers.Serializer):
    userId = IdField()


@extend_schema_serializer(component_name="BalanceChargeOutput")
class BalanceChargeOut(serializers.Serializer):
    userId = serializers.IntegerField(source="user_id")
    balance = serializers.IntegerField(source="balance_after")
    chargedAmount = serializers.IntegerField(source="amount")
    transactionId = serializers.IntegerField(source="pk")


class BalanceChargeApi(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "charge"

    @extend_schema(
        operation_id="balance_charge",
        request=BalanceChargeIn,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            200: BalanceChargeOut,
            **problems(
                (400, "INVALID_REQUEST | INVALID_AMOUNT"),
                (401, "UNAUTHENTICATED"),
                (403, "FORBIDDEN"),
                (404, "INVALID_USER"),
                (409, "IDEMPOTENCY_IN_PROGRESS"),
                (422, "IDEMPOTENCY_KEY_REUSED"),
                (429, "RATE_LIMITED"),
            ),
        },
    )
    def post(self, request):
        return idempotent(request, lambda: self.charge(request))

    def charge(self, request) -> Response:
        if not isinstance(request.data, dict):
            raise InvalidRequest("요청 본문은 JSON 객체여야 합니다.")
        # userId problems are INVALID_REQUEST and come first (then FORBIDDEN); anything wrong with
        # `amount` (missing, null, not an integer, out of range) is INVALID_AMOUNT from the service.
        user = BalanceChargeUserIn(data=request.data)
        user.is_valid(raise_exception=True)
        user_id = user.validated_data["userId"]
        ensure_self_or_staff(request.user, user_id)
        # The raw value: the service refuses a non-integer with INVALID_AMOUNT.
        entry = balance_charge(user_id=user_id, amount=request.data.get("amount"))  # type: ignore[arg-type]
        return Response(BalanceChargeOut(entry).data)


@extend_schema_serializer(component_name="BalanceHistoryItem")
class BalanceHistoryItemOut(serializers.Serializer):
    transactionId = serializers.IntegerField(source="pk")
    type = serializers.ChoiceField(choices=LedgerEntry.Type.values)
    amount = serializers.IntegerField()
    balanceAfter = serializers.IntegerField(source="balance_after")
    orderId = serializers.IntegerField(source="order_id", allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")


BalanceHistoryPageOut = page_serializer(BalanceHistoryItemOut, "BalanceHistoryPage")


class BalanceHistoryApi(APIView):
    @extend_schema(
        operation_id="balance_history",
        parameters=[
            USER_ID_PATH,
            *page_parameters(default_size=20),
        ],
        responses={
            200: BalanceHistoryPageOut,
            **problems((400, "INVALID_REQUEST"), (401, "UNAUTHENTICATED"), (403, "FORBIDDEN"), (404, "INVALID_USER")),
        },
    )
    def get(self, request, userId: str):
        user_id = user_id_parse(userId)
        ensure_self_or_staff(request.user, user_id)
        params = page_params(request.query_params, default_size=20)
        history = balance_history(user_id=user_id, page=params.page, size=params.size)
        items = list(BalanceHistoryItemOut(history.items, many=True).data)
        return Response(page_body(items, params, history.total))
