"""OpenAPI pieces shared by every app: the problem-details response."""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

Problem = inline_serializer(
    name="Problem",
    fields={
        "type": serializers.CharField(),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "errors": inline_serializer(
            name="FieldError",
            fields={"field": serializers.CharField(allow_null=True), "message": serializers.CharField()},
            many=True,
            required=False,
        ),
    },
)


def problems(*codes_by_status: tuple[int, str]) -> dict:
    """`@extend_schema(responses={..., **problems((400, "INVALID_REQUEST"), (404, "X_NOT_FOUND | Y"))})`."""
    out: dict = {}
    for status, codes in codes_by_status:
        out[status] = OpenApiResponse(Problem, description=f"problem+json, code: {codes}")
    return out
