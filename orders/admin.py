from django.contrib import admin, messages

from core.admin import ReadOnlyModelAdmin
from core.errors import ApiError
from orders.models import Order, OrderLine
from orders.services import order_cancel


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    fields = ["product", "name", "unit_price", "quantity", "amount"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyModelAdmin):
    """Orders are read-only here: the only change staff can make is a cancel, through order_cancel."""

    list_display = [
        "id",
        "user",
        "status",
        "total_amount",
        "discount_amount",
        "paid_amount",
        "created_at",
        "cancelled_at",
    ]
    list_filter = ["status", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["user__username", "=id"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    inlines = [OrderLineInline]
    actions = ["cancel_orders"]
    readonly_fields = [
        "user", "status", "total_amount", "discount_amount", "paid_amount", "user_coupon", "coupon_id",
        "created_at", "cancelled_at",
    ]  # fmt: skip

    def has_cancel_permission(self, request):
        return request.user.has_perm("orders.change_order")

    @admin.action(description="선택한 주문 취소 (환불)", permissions=["cancel"])
    def cancel_orders(self, request, queryset):
        cancelled = 0
        for order_id, status in queryset.values_list("id", "status"):
            if status != Order.Status.PAID:
                continue
            try:
                order_cancel(order_id=order_id, actor=request.user)
            except ApiError as error:
                self.message_user(request, f"주문 #{order_id}: {error.detail}", messages.ERROR)
            else:
                cancelled += 1
        self.message_user(request, f"{cancelled}건의 주문을 취소하고 환불했습니다.", messages.SUCCESS)
