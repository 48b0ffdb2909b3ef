from django.db import connection
from django_redis import get_redis_connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.problems import PROBLEM_CONTENT_TYPE, problem_body
from core.api.schema import problems
from core.errors import ServiceUnavailable


class HealthApi(APIView):
    """Liveness: the process serves requests. Touches nothing else."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="health", responses={200: inline_serializer("Health", {"status": serializers.CharField()})}
    )
    def get(self, request):
        return Response({"status": "ok"})


def _check_postgres() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # any failure means not ready
        return f"error: {exc.__class__.__name__}"


def _check_redis() -> str:
    try:
        get_redis_connection("default").ping()
        return "ok"
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"


class ReadinessApi(APIView):
    """Readiness: PostgreSQL and Redis both answer."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="health_ready",
        responses={
            200: inline_serializer(
                "Ready",
                {"status": serializers.CharField(), "checks": serializers.DictField(child=serializers.CharField())},
            ),
            **problems((503, "SERVICE_UNAVAILABLE")),
        },
    )
    def get(self, request):
        checks = {"postgres": _check_postgres(), "redis": _check_redis()}
        failed = [name for name, result in checks.items() if result != "ok"]
        if not failed:
            return Response({"status": "ok", "checks": checks})
        error = ServiceUnavailable(f"응답하지 않는 구성 요소: {', '.join(failed)}", failed=failed, checks=checks)
        return Response(problem_body(error), status=503, content_type=PROBLEM_CONTENT_TYPE)
