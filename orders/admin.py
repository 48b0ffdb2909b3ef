from django.contrib import admin, messages

from core.admin import ReadOnlyModelAdmin
from core.errors import ApiError
from orders.admin_fulfilment import mark_delivered, mark_preparing, ship_orders
from orders.models import Order, OrderLine
from orders.services import order_cancel


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    fields = readonly_fields = ("product", "name", "unit_price", "quantity", "amount")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyModelAdmin):
    """Orders are read-only here: staff change them only through actions that call services
    (a cancel through order_cancel, the fulfilment steps through orders.fulfilment)."""

    list_display = [
        "id",
        "user",
        "status",
        "total_amount",
        "discount_amount",
        "paid_amount",
        "fulfilment_status",
        "created_at",
        "cancelled_at",
    ]
    list_filter = ["status", "fulfilment_status", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["user__username", "=id"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    inlines = [OrderLineInline]
    actions = ["cancel_orders", mark_preparing, ship_orders, mark_delivered]
    readonly_fields = [
        "user", "status", "total_amount", "discount_amount", "paid_amount", "user_coupon", "coupon_id",
        "created_at", "cancelled_at", "delivery_address", "fulfilment_status", "carrier", "tracking_number",
        "shipped_at", "delivered_at",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["user", "status", "created_at", "cancelled_at"]}),
        ("결제", {"fields": ["total_amount", "discount_amount", "paid_amount", "user_coupon", "coupon_id"]}),
        (
            "배송",
            {
                "fields": [
                    "delivery_address",
                    "fulfilment_status",
                    "carrier",
                    "tracking_number",
                    "shipped_at",
                    "delivered_at",
                ]
            },
        ),
    ]

    @admin.display(description="배송지")
    def delivery_address(self, order):
        address = order.shipping_address
        if not address:
            return "배송지 없음"
        memo = f" · 메모: {address['memo']}" if address.get("memo") else ""
        return (
            f"{address['recipient']} · {address['phone']} · ({address['postalCode']}) {address['address']} "
            f"{address['addressDetail']}{memo}"
        )

    def has_fulfil_permission(self, request):
        return request.user.has_perm("orders.change_order")

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
