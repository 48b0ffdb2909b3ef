"""Staff screens. Balances and the ledger are read-only here: money moves only through the
services, so a correction is the "잔액 조정" action, which writes an ADJUSTMENT ledger row through
`balance_adjust` with the staff member and a reason."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse

from balances.forms import AdjustForm
from balances.models import Balance, LedgerEntry
from balances.services import balance_adjust
from core.admin import ReadOnlyModelAdmin
from core.errors import ApiError
from core.templatetags.shop import won


@admin.register(Balance)
class BalanceAdmin(ReadOnlyModelAdmin):
    list_display = ("user", "amount_display", "updated_at")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    ordering = ("-updated_at",)
    actions = ["adjust_balance"]

    @admin.display(description="잔액", ordering="amount")
    def amount_display(self, obj):
        return won(obj.amount)

    def has_adjust_permission(self, request):
        return request.user.is_staff and request.user.has_perm("balances.change_balance")

    @admin.action(description="선택한 사용자의 잔액 조정", permissions=["adjust"])
    def adjust_balance(self, request, queryset):
        form = AdjustForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            amount, reason = form.cleaned_data["amount"], form.cleaned_data["reason"]
            for balance in queryset.select_related("user"):
                try:
                    entry = balance_adjust(
                        user_id=balance.user_id, amount=amount, reason=reason, staff_user_id=request.user.pk
                    )
                except ApiError as exc:
                    self.message_user(request, f"{balance.user}: 조정하지 못했습니다 - {exc.detail}", messages.ERROR)
                else:
                    self.message_user(
                        request,
                        f"{balance.user}: {'+' if amount > 0 else ''}{won(amount)} 조정, 현재 잔액 {won(entry.balance_after)}",
                        messages.SUCCESS,
                    )
            return None  # back to the list
        context = {
            **self.admin_site.each_context(request),
            "title": "잔액 조정",
            "opts": self.model._meta,
            "form": form,
            "balances": queryset.select_related("user"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/balances/balance/adjust.html", context)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyModelAdmin):
    list_display = (
        "id",
        "user",
        "type",
        "amount_display",
        "balance_after_display",
        "order_id",
        "reason",
        "staff_user",
        "created_at",
    )
    list_filter = ("type",)
    list_select_related = ("user", "staff_user")
    search_fields = ("user__username", "=order_id")
    ordering = ("-id",)
    actions = None

    @admin.display(description="금액", ordering="amount")
    def amount_display(self, obj):
        return f"{'+' if obj.amount > 0 else ''}{won(obj.amount)}"

    @admin.display(description="변경 후 잔액", ordering="balance_after")
    def balance_after_display(self, obj):
        return won(obj.balance_after)
