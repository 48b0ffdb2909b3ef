import json
import uuid

from django.contrib import admin, messages
from django.utils.html import format_html

from core.admin import ReadOnlyModelAdmin

from .models import OutboxEvent
from .services import sweeping


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyModelAdmin):
    """Read-only view of the outbox; the one write is "retry now", through the service."""

    list_display = [
        "event_id",
        "event_type",
        "aggregate_id",
        "status",
        "attempts",
        "next_attempt_at",
        "short_error",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["status", "event_type"]
    search_fields = ["event_id", "aggregate_id"]
    search_help_text = "이벤트 ID(UUID) 또는 주문 ID"
    list_per_page = 50
    show_full_result_count = False
    actions = ["retry_now"]
    fields = readonly_fields = (
        "event_id",
        "event_type",
        "aggregate_id",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "delivered_at",
        "payload_pretty",
    )

    @admin.display(description="마지막 오류")
    def short_error(self, obj: OutboxEvent) -> str:
        return obj.last_error if len(obj.last_error) <= 80 else obj.last_error[:80] + "…"

    @admin.display(description="본문")
    def payload_pretty(self, obj: OutboxEvent) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, ensure_ascii=False, indent=2, sort_keys=True))

    def get_search_results(self, request, queryset, search_term):
        # Exact lookups only, each on an index: a UUID is an event id, a number an order id.
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            return queryset.filter(event_id=uuid.UUID(term)), False
        except ValueError:
            pass
        if term.isdigit() and int(term) < 2**63:
            return queryset.filter(aggregate_id=int(term)), False
        return queryset.none(), False

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("dataplatform.change_outboxevent")

    @admin.action(description="지금 재전송", permissions=["retry"])
    def retry_now(self, request, queryset):
        pks = list(queryset.values_list("pk", flat=True))
        retried = sum(sweeping.event_retry_now(event_pk=pk) for pk in pks)
        skipped = len(pks) - retried
        self.message_user(request, f"{retried}건을 다시 전송하도록 예약했습니다.", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped}건은 이미 전송 완료되어 건너뛰었습니다.", messages.WARNING)
