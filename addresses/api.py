from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from addresses import rules
from addresses.selectors import address_list
from addresses.services import address_create, address_delete, address_update
from core.api.fields import StrictBooleanField, StrictCharField
from core.api.schema import problems


def _text(
    name: str, attname: str, max_length: int, *, required: bool = True, validators=(), allow_blank=False, **kwargs
):
    """A string field with the address book's Korean messages (addresses.rules)."""
    missing, too_long = rules.MESSAGES[attname]
    messages = {"max_length": too_long}
    if missing:
        messages |= {"required": missing, "blank": missing, "null": missing}
    if attname != name:
        kwargs["source"] = attname
    return StrictCharField(
        max_length=max_length,
        required=required,
        allow_blank=allow_blank,
        validators=list(validators),
        error_messages=messages,
        **kwargs,
    )


class AddressIn(serializers.Serializer):
    """An address without `addressId`. `memo` is optional (absent, null or ""); `addressDetail` may be
    "" (a house without one) but is part of every new address, as in API.md."""

    recipient = _text("recipient", "recipient", rules.RECIPIENT_MAX)
    phone = _text("phone", "phone", rules.PHONE_MAX, validators=[rules.validate_phone])
    postalCode = _text("postalCode", "postal_code", 5, validators=[rules.validate_postal_code])
    address = _text("address", "address", rules.ADDRESS_MAX)
    addressDetail = _text("addressDetail", "address_detail", rules.DETAIL_MAX, allow_blank=True)
    memo = _text("memo", "memo", rules.MEMO_MAX, required=False, allow_blank=True, allow_null=True)
    isDefault = StrictBooleanField(source="is_default", required=False, help_text="첫 배송지는 항상 기본 배송지")

    def validate_memo(self, value):
        return value or ""


class AddressOut(serializers.Serializer):
    addressId = serializers.IntegerField(source="pk")
    recipient = serializers.CharField()
    phone = serializers.CharField()
    postalCode = serializers.CharField(source="postal_code")
    address = serializers.CharField()
    addressDetail = serializers.CharField(source="address_detail")
    memo = serializers.CharField(allow_null=True)
    isDefault = serializers.BooleanField(source="is_default")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["memo"] = data["memo"] or None
        return data


AddressListOut = inline_serializer("AddressList", fields={"items": AddressOut(many=True)})


class AddressListApi(APIView):
    name = "Addresses Api"  # OPTIONS /api/addresses is answered here (core.api.routing), named as before

    @extend_schema(
        operation_id="address_list",
        responses={200: AddressListOut, **problems((401, "UNAUTHENTICATED"))},
    )
    def get(self, request):
        return Response({"items": AddressOut(address_list(user_id=request.user.pk), many=True).data})


class AddressCreateApi(APIView):
    @extend_schema(
        operation_id="address_create",
        request=AddressIn,
        responses={201: AddressOut, **problems((400, "INVALID_REQUEST"), (401, "UNAUTHENTICATED"))},
    )
    def post(self, request):
        data = AddressIn(data=request.data)
        data.is_valid(raise_exception=True)
        entry = address_create(user_id=request.user.pk, **data.validated_data)
        return Response(AddressOut(entry).data, status=status.HTTP_201_CREATED)


class AddressUpdateApi(APIView):
    name = "Address Detail Api"  # OPTIONS /api/addresses/{addressId} is answered here (core.api.routing), as before

    @extend_schema(
        operation_id="address_update",
        request=AddressIn(partial=True),
        responses={
            200: AddressOut,
            **problems((400, "INVALID_REQUEST"), (401, "UNAUTHENTICATED"), (404, "ADDRESS_NOT_FOUND")),
        },
    )
    def patch(self, request, addressId: int):
        data = AddressIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        entry = address_update(user_id=request.user.pk, address_id=addressId, **data.validated_data)
        return Response(AddressOut(entry).data)


class AddressDeleteApi(APIView):
    @extend_schema(
        operation_id="address_delete",
        responses={204: None, **problems((401, "UNAUTHENTICATED"), (404, "ADDRESS_NOT_FOUND"))},
    )
    def delete(self, request, addressId: int):
        address_delete(user_id=request.user.pk, address_id=addressId)
        return Response(status=status.HTTP_204_NO_CONTENT)
