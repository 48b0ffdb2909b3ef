"""`POST /api/products/{productId}/queue` and `GET /api/products/{productId}/queue/{ticket}`."""

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.schema import problems
from waiting_room.services import TicketView, queue_join, queue_ticket_get


@extend_schema_serializer(component_name="Ticket")
class TicketOut(serializers.Serializer):
    ticket = serializers.CharField()
    productId = serializers.IntegerField(source="product_id")
    status = serializers.ChoiceField(choices=["WAITING", "ADMITTED", "USED", "EXPIRED", "SOLD_OUT"])
    position = serializers.IntegerField(allow_null=True, help_text="1 for the next to be admitted; null unless WAITING")
    estimatedWaitSeconds = serializers.IntegerField(source="estimated_wait_seconds", allow_null=True)
    admittedAt = serializers.DateTimeField(source="admitted_at", allow_null=True)
    expiresAt = serializers.DateTimeField(
        source="expires_at", allow_null=True, help_text="when an ADMITTED ticket lapses"
    )


def _answer(ticket: TicketView, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(TicketOut(ticket).data, status=status_code)


class QueueJoinApi(APIView):
    @extend_schema(
        operation_id="queue_join",
        request=None,
        responses={
            201: TicketOut,
            200: TicketOut,
            **problems(
                (401, "UNAUTHENTICATED"),
                (404, "NOT_FOUND"),
                (409, "SALE_NOT_STARTED | SALE_ENDED | OUT_OF_STOCK"),
                (503, "SERVICE_UNAVAILABLE"),
            ),
        },
        description="A new ticket (201), or the caller's live ticket for this drop (200).",
    )
    def post(self, request, productId: int):  # path names as in API.md
        ticket, created = queue_join(product_id=productId, user_id=request.user.pk)
        return _answer(ticket, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class QueueTicketApi(APIView):
    @extend_schema(
        operation_id="queue_ticket",
        responses={
            200: TicketOut,
            **problems((401, "UNAUTHENTICATED"), (404, "NOT_FOUND"), (503, "SERVICE_UNAVAILABLE")),
        },
    )
    def get(self, request, productId: int, ticket: str):
        return _answer(queue_ticket_get(product_id=productId, ticket=ticket, user_id=request.user.pk))
