import threading

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from core.admin import ReadOnlyModelAdmin
from coupons.gate import GateUnavailable
from coupons.models import CouponDrop, UserCoupon
from coupons.selectors import gate_comparison
from coupons.services.drops import EDITABLE_DROP_FIELDS, coupon_drop_errors, coupon_drop_save
from coupons.services.rebuild import coupon_gate_rebuild

# API field names in the shared rules → this form's field names.
_FORM_FIELD = {
    "name": "name",
    "discountType": "discount_type",
    "discountValue": "discount_value",
    "maxDiscountAmount": "max_discount_amount",
    "minOrderAmount": "min_order_amount",
    "totalQuantity": "total_quantity",
    "issueEndsAt": "issue_ends_at",
    "validDays": "valid_days",
}


class CouponDropForm(forms.ModelForm):
    class Meta:
        model = CouponDrop
        fields = EDITABLE_DROP_FIELDS

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        errors = coupon_drop_errors(
            name=data["name"],
            discount_type=data["discount_type"],
            discount_value=data["discount_value"],
            max_discount_amount=data.get("max_discount_amount"),
            min_order_amount=data.get("min_order_amount"),
            total_quantity=data["total_quantity"],
            issue_starts_at=data["issue_starts_at"],
            issue_ends_at=data.get("issue_ends_at"),
            valid_days=data["valid_days"],
            issued_count=self.instance.issued_count if self.instance.pk else 0,
            now=None if self.instance.pk else timezone.now(),
        )
        for error in errors:
            self.add_error(_FORM_FIELD.get(error["field"]), error["message"])
        return data


@admin.register(CouponDrop)
class CouponDropAdmin(admin.ModelAdmin):
    form = CouponDropForm
    list_display = [
        "id",
        "name",
        "discount_type",
        "discount_value",
        "total_quantity",
        "issued_db",
        "remaining_db",
        "issued_redis",
        "remaining_redis",
        "issue_starts_at",
        "issue_ends_at",
    ]
    list_display_links = ["id", "name"]
    search_fields = ["name"]
    list_filter = ["discount_type"]
    readonly_fields = ["issued_count", "created_at"]
    actions = ["rebuild_gate"]

    # The admin object is shared by every request thread; the page's Redis figures are not.
    _page = threading.local()

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # Redis figures for the whole page in one round trip each, not one per row.
        self._page.comparison = gate_comparison(drops=list(changelist.result_list))
        return changelist

    def _cmp(self, obj):
        return (getattr(self._page, "comparison", None) or {}).get(obj.pk)

    @admin.display(description="발급 (DB)")
    def issued_db(self, obj):
        return obj.issued_count

    @admin.display(description="남은 수량 (DB)")
    def remaining_db(self, obj):
        return obj.total_quantity - obj.issued_count

    @admin.display(description="발급 (Redis)")
    def issued_redis(self, obj):
        cmp = self._cmp(obj)
        return "-" if cmp is None or cmp.issued_gate is None else cmp.issued_gate

    @admin.display(description="남은 수량 (Redis)")
    def remaining_redis(self, obj):
        cmp = self._cmp(obj)
        return "없음" if cmp is None or cmp.remaining_gate is None else cmp.remaining_gate

    def save_model(self, request, obj, form, change):
        coupon_drop_save(drop=obj)

    @admin.action(description="선택한 쿠폰의 Redis 발급 게이트 재구성")
    def rebuild_gate(self, request, queryset):
        try:
            states = [coupon_gate_rebuild(coupon_id=pk) for pk in queryset.values_list("pk", flat=True)]
        except GateUnavailable:
            self.message_user(request, "Redis에 연결할 수 없어 재구성하지 못했습니다.", messages.ERROR)
            return
        summary = ", ".join(f"#{s.coupon_id}: 남은 {s.remaining}" for s in states)
        self.message_user(request, f"게이트를 재구성했습니다 ({summary}).", messages.SUCCESS)

    def has_delete_permission(self, request, obj=None):
        # Issued coupons point at their drop; deleting a drop would erase what users hold.
        return False


@admin.register(UserCoupon)
class UserCouponAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "user", "coupon", "status", "issued_at", "expires_at", "used_at", "order_id"]
    list_filter = ["status"]
    search_fields = ["user__username", "coupon__name"]
    list_select_related = ["user", "coupon"]
    raw_id_fields = ["user", "coupon"]
