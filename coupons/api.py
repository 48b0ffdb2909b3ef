from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.fields import IdField, StrictIntegerField, WindowTimeField
from core.api.permissions import IsStaff, ensure_self_or_staff
from core.api.schema import problems
from core.api.throttling import ScopedRateThrottle
from core.api.user_ids import user_id_parameter, user_id_parse
from core.users import user_require
from coupons.models import DiscountType
from coupons.selectors import coupon_list_open, user_coupon_list, user_coupon_status
from coupons.services.drops import coupon_drop_create
from coupons.services.issue import coupon_issue


@extend_schema_serializer(component_name="Coupon")
class CouponOut(serializers.Serializer):
    couponId = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    discountType = serializers.CharField(source="discount_type")
    discountValue = serializers.IntegerField(source="discount_value")
    maxDiscountAmount = serializers.IntegerField(source="max_discount_amount", allow_null=True)
    minOrderAmount = serializers.IntegerField(source="min_order_amount", allow_null=True)
    totalQuantity = serializers.IntegerField(source="total_quantity")
    remainingQuantity = serializers.IntegerField(source="remaining_quantity")
    issueStartsAt = serializers.DateTimeField(source="issue_starts_at")
    issueEndsAt = serializers.DateTimeField(source="issue_ends_at", allow_null=True)


@extend_schema_serializer(component_name="UserCoupon")
class UserCouponOut(serializers.Serializer):
    userCouponId = serializers.IntegerField(source="pk")
    couponId = serializers.IntegerField(source="coupon_id")
    name = serializers.CharField(source="coupon.name")
    discountType = serializers.CharField(source="coupon.discount_type")
    discountValue = serializers.IntegerField(source="coupon.discount_value")
    maxDiscountAmount = serializers.IntegerField(source="coupon.max_discount_amount", allow_null=True)
    minOrderAmount = serializers.IntegerField(source="coupon.min_order_amount", allow_null=True)
    status = serializers.SerializerMethodField()
    issuedAt = serializers.DateTimeField(source="issued_at")
    expiresAt = serializers.DateTimeField(source="expires_at")
    usedAt = serializers.DateTimeField(source="used_at", allow_null=True)

    def get_status(self, obj) -> str:
        return user_coupon_status(obj)


@extend_schema_serializer(component_name="CouponCreateInput")
class CouponCreateIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    discountType = serializers.ChoiceField(choices=DiscountType.values)
    discountValue = StrictIntegerField()
    maxDiscountAmount = StrictIntegerField(required=False, allow_null=True, min_value=1)
    minOrderAmount = StrictIntegerField(required=False, allow_null=True, min_value=0)
    totalQuantity = StrictIntegerField(min_value=1, max_value=2**31 - 1)
    issueStartsAt = WindowTimeField(required=False, allow_null=True)
    issueEndsAt = WindowTimeField(required=False, allow_null=True)
    validDays = StrictIntegerField(min_value=1, max_value=36_500)


# What the schema says of both operations on /api/coupons, and OPTIONS of the URL: the text they
# were published with when one class served both.
COUPONS_DESCRIPTION = "GET is public (the drop list); POST creates a drop and is staff only."


class CouponListApi(APIView):
    """The drops open now or later: public, and any credentials sent are ignored (a stale or bad
    token must not break a public read)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    description = COUPONS_DESCRIPTION  # OPTIONS /api/coupons is answered here (core.api.routing), as before

    @extend_schema(
        operation_id="coupons_list",
        description=COUPONS_DESCRIPTION,
        auth=[{}],  # type: ignore[list-item]  # public: no credentials needed (typed as scheme names only)
        responses={200: inline_serializer("CouponList", {"items": CouponOut(many=True)})},
    )
    def get(self, request):
        return Response({"items": CouponOut(coupon_list_open(), many=True).data})


class CouponCreateApi(APIView):
    """A new coupon drop: staff only."""

    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="coupons_create",
        description=COUPONS_DESCRIPTION,
        request=CouponCreateIn,
        responses={
            201: CouponOut,
            **problems((400, "INVALID_REQUEST"), (401, "UNAUTHENTICATED"), (403, "FORBIDDEN")),
        },
    )
    def post(self, request):
        data = CouponCreateIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        drop = coupon_drop_create(
            name=v["name"],
            discount_type=v["discountType"],
            discount_value=v["discountValue"],
            max_discount_amount=v.get("maxDiscountAmount"),
            min_order_amount=v.get("minOrderAmount"),
            total_quantity=v["totalQuantity"],
            issue_starts_at=v.get("issueStartsAt"),
            issue_ends_at=v.get("issueEndsAt"),
            valid_days=v["validDays"],
        )
        drop.remaining_quantity = drop.total_quantity - drop.issued_count
        return Response(CouponOut(drop).data, status=status.HTTP_201_CREATED)


@extend_schema_serializer(component_name="CouponIssueInput")
class CouponIssueIn(serializers.Serializer):
    userId = IdField()
    couponId = IdField()


class CouponIssueApi(APIView):
    """The hottest endpoint. The caller comes from the bearer token's claims (no user query, see
    core.api.authentication), and the throttle and the gate (the drop's window included) live in
    Redis, so a sold-out or out-of-window answer touches no database at all. Trade-off: a user
    deactivated in the last ACCESS_TOKEN_LIFETIME minutes can still take a coupon; a deleted one
    gets INVALID_USER."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "coupon_issue"

    @extend_schema(
        operation_id="coupon_issue",
        request=CouponIssueIn,
        responses={
            201: UserCouponOut,
            **problems(
                (400, "INVALID_REQUEST"),
                (401, "UNAUTHENTICATED"),
                (403, "FORBIDDEN"),
                (404, "COUPON_NOT_FOUND | INVALID_USER"),
                (409, "COUPON_SOLD_OUT | COUPON_ALREADY_ISSUED | COUPON_NOT_ISSUABLE"),
                (429, "RATE_LIMITED"),
                (503, "SERVICE_UNAVAILABLE"),
            ),
        },
    )
    def post(self, request):
        data = CouponIssueIn(data=request.data)
        data.is_valid(raise_exception=True)
        user_id = data.validated_data["userId"]
        if user_id != request.user.pk:
            ensure_self_or_staff(request.user, user_id)  # only staff may issue for someone else
            user_require(user_id)
        user_coupon = coupon_issue(user_id=user_id, coupon_id=data.validated_data["couponId"])
        return Response(UserCouponOut(user_coupon).data, status=status.HTTP_201_CREATED)


class UserCouponListApi(APIView):
    @extend_schema(
        operation_id="coupon_user_list",
        parameters=[user_id_parameter(OpenApiParameter.PATH, description="사용자 id (양의 정수)")],
        responses={
            200: inline_serializer("UserCouponList", {"items": UserCouponOut(many=True)}),
            **problems((400, "INVALID_REQUEST"), (401, "UNAUTHENTICATED"), (403, "FORBIDDEN")),
        },
    )
    def get(self, request, userId: str):  # path names as in API.md
        user_id = user_id_parse(userId)
        ensure_self_or_staff(request.user, user_id)
        return Response({"items": UserCouponOut(user_coupon_list(user_id=user_id), many=True).data})
