import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxEvent(models.Model):
    """One event for the data platform, written in the same transaction as the change it reports
    (the transactional outbox): it exists if and only if that change committed.

    `payload` is the whole event body of API.md (`{eventId, type, occurredAt, order}`); the bytes
    sent are its canonical JSON (`services.signing.event_body`), so every attempt sends, and signs, the
    very same bytes."""

    class Status(models.TextChoices):
        PENDING = "PENDING", "대기"
        DELIVERED = "DELIVERED", "전송 완료"
        FAILED = "FAILED", "실패"

    class EventType(models.TextChoices):
        ORDER_PAID = "order.paid", "주문 결제"
        ORDER_CANCELLED = "order.cancelled", "주문 취소"
        ORDER_FULFILMENT = "order.fulfilment", "배송 상태 변경"

    event_id = models.UUIDField("이벤트 ID", default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField("유형", max_length=32, choices=EventType.choices)
    aggregate_id = models.BigIntegerField("주문 ID", db_index=True)
    payload = models.JSONField("본문")
    status = models.CharField("상태", max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField("시도 횟수", default=0)
    next_attempt_at = models.DateTimeField("다음 시도", default=timezone.now)
    last_error = models.TextField("마지막 오류", blank=True, default="")
    created_at = models.DateTimeField("생성", default=timezone.now)
    delivered_at = models.DateTimeField("전송 완료 시각", null=True, blank=True)
    # Who may attempt the row until when (services/claiming.py): no row lock is held during a POST.
    leased_until = models.DateTimeField("임대 만료", null=True, blank=True)
    # The request that made the event: sent as X-Request-ID and on the delivery's log lines.
    request_id = models.CharField("요청 ID", max_length=64, blank=True, default="")

    class Meta:
        verbose_name = "아웃박스 이벤트"
        verbose_name_plural = "아웃박스 이벤트"
        ordering = ["-id"]
        indexes = [
            # The sweep's query (due PENDING rows, oldest first) and the pending count. Partial, so
            # it stays as small as the backlog however many delivered rows pile up.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="PENDING"),
                name="outbox_pending_due_idx",
            ),
            models.Index(fields=["created_at"], condition=Q(status="FAILED"), name="outbox_failed_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["PENDING", "DELIVERED", "FAILED"]), name="outbox_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(event_type__in=["order.paid", "order.cancelled", "order.fulfilment"]),
                name="outbox_event_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"
