"""Staff watch each waiting room live (waiting, admitted, used, expired) and pause or resume its
admissions. The room itself is switched on, and its pace set, on the product's form (대기열)."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count

from core.errors import ApiError
from waiting_room import line
from waiting_room.models import WaitingRoomDrop
from waiting_room.services import queue_set_paused

UNKNOWN = "—"  # Redis did not answer


@admin.register(WaitingRoomDrop)
class WaitingRoomAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "name",
        "sale_starts_at",
        "stock",
        "admit_per_second",
        "waiting",
        "admitted_now",
        "used",
        "expired",
        "admission",
    )
    list_display_links = None
    ordering = ("-sale_starts_at", "id")
    actions = ("pause", "resume")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(waiting_room=True).annotate(used_count=Count("ticket_uses"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None  # the list and its actions; the room is edited on the product

    def _counts(self, obj) -> dict | None:
        cached: Any = getattr(obj, "_line_counts", False)
        if cached is False:
            try:
                cached = line.line_counts(product_id=obj.pk)
            except line.LineUnavailable:
                cached = None
            obj._line_counts = cached
        return cached

    @admin.display(description="대기 중")
    def waiting(self, obj):
        counts = self._counts(obj)
        return UNKNOWN if counts is None else counts["waiting"]

    @admin.display(description="입장(미사용)")
    def admitted_now(self, obj):
        counts = self._counts(obj)
        return UNKNOWN if counts is None else counts["admitted"]

    @admin.display(description="주문 완료")
    def used(self, obj):
        return obj.used_count

    @admin.display(description="만료")
    def expired(self, obj):
        counts = self._counts(obj)
        return UNKNOWN if counts is None else counts["expiredTotal"]

    @admin.display(description="입장")
    def admission(self, obj):
        counts = self._counts(obj)
        if counts is None:
            return "Redis 응답 없음"
        return "마감" if counts["closed"] else ("일시 중지" if counts["paused"] else "진행")

    def _set_paused(self, request, queryset, *, paused: bool) -> None:
        for product_id in queryset.values_list("pk", flat=True):
            try:
                queue_set_paused(product_id=product_id, paused=paused)
            except ApiError as error:
                self.message_user(request, f"{product_id}: {error.detail}", messages.ERROR)
                return
        self.message_user(
            request, "입장을 일시 중지했습니다." if paused else "입장을 다시 시작했습니다.", messages.SUCCESS
        )

    @admin.action(description="선택한 대기열 입장 일시 중지")
    def pause(self, request, queryset):
        self._set_paused(request, queryset, paused=True)

    @admin.action(description="선택한 대기열 입장 다시 시작")
    def resume(self, request, queryset):
        self._set_paused(request, queryset, paused=False)
