"""Waiting-room error codes (API.md, "Waiting room")."""

from core.errors import ApiError


class QueueTicketRequired(ApiError):
    code, status, title = "QUEUE_TICKET_REQUIRED", 409, "대기열 입장 필요"
