"""Waiting-room error codes (API.md, "Waiting room")."""

from products.errors import ProductError


class QueueTicketRequired(ProductError):
    code, status, title = "QUEUE_TICKET_REQUIRED", 409, "대기열 입장 필요"
