"""The admin's fulfilment actions on orders: 상품 준비중, 발송 처리 (a form asking each selected
order's carrier and tracking number), 배송 완료. Each order goes through
orders.fulfilment.fulfilment_advance, one order per transaction, so a refused one (cancelled
meanwhile, already shipped) is reported and the others go on."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from core.errors import ApiError
from orders.fulfilment import (
    ALLOWED_FROM,
    CARRIER_MAX,
    CARRIERS,
    TRACKING_MAX,
    TRACKING_MESSAGE,
    TRACKING_PATTERN,
    fulfilment_advance,
)
from orders.models import Order

Stage = Order.Fulfilment


class ShipmentForm(forms.Form):
    order_id = forms.IntegerField(widget=forms.HiddenInput)
    carrier = forms.CharField(
        label="택배사",
        max_length=CARRIER_MAX,
        widget=forms.TextInput(attrs={"list": "carriers"}),
        error_messages={"required": "택배사를 입력해 주세요."},
    )
    tracking_number = forms.RegexField(
        label="송장번호",
        regex=TRACKING_PATTERN,
        max_length=TRACKING_MAX,
        error_messages={"required": "송장번호를 입력해 주세요.", "invalid": TRACKING_MESSAGE},
    )


ShipmentFormSet = forms.formset_factory(ShipmentForm, extra=0)


def _advance(modeladmin, request, order_ids, status: str, shipments: dict | None = None) -> int:
    done = 0
    for order_id in order_ids:
        try:
            fulfilment_advance(order_id=order_id, status=status, **(shipments or {}).get(order_id, {}))
        except ApiError as error:
            modeladmin.message_user(request, f"주문 #{order_id}: {error.detail}", messages.ERROR)
        else:
            done += 1
    return done


def _movable(queryset, status: str) -> list[int]:
    return list(
        queryset.filter(status=Order.Status.PAID, fulfilment_status__in=ALLOWED_FROM[status])
        .order_by("id")
        .values_list("id", flat=True)
    )


def _skipped(modeladmin, request, queryset, movable: list[int], what: str) -> None:
    skipped = sorted(set(queryset.values_list("id", flat=True)) - set(movable))
    if skipped:
        ids = ", ".join(f"#{order_id}" for order_id in skipped)
        modeladmin.message_user(request, f"{what}할 수 없는 주문은 건너뛰었습니다: {ids}", messages.WARNING)


@admin.action(description="선택한 주문을 상품 준비중으로", permissions=["fulfil"])
def mark_preparing(modeladmin, request, queryset):
    movable = _movable(queryset, Stage.PREPARING)
    _skipped(modeladmin, request, queryset, movable, "준비중으로 표시")
    done = _advance(modeladmin, request, movable, Stage.PREPARING)
    modeladmin.message_user(request, f"{done}건의 주문을 상품 준비중으로 바꿨습니다.", messages.SUCCESS)


@admin.action(description="발송 처리 (택배사·송장번호 입력)", permissions=["fulfil"])
def ship_orders(modeladmin, request, queryset):
    """First call: a page with one row per shippable order asking its carrier and tracking number.
    Its submit comes back here (same action, same selection) with `apply` and ships them."""
    movable = _movable(queryset, Stage.SHIPPED)
    orders = {order.pk: order for order in queryset.select_related("user")}
    if "apply" in request.POST:
        formset = ShipmentFormSet(request.POST, prefix="ship")
        if formset.is_valid():
            shipments = {
                form.cleaned_data["order_id"]: {
                    "carrier": form.cleaned_data["carrier"],
                    "tracking_number": form.cleaned_data["tracking_number"],
                }
                for form in formset
                if form.cleaned_data["order_id"] in orders  # only the selection; the service re-checks each
            }
            done = _advance(modeladmin, request, list(shipments), Stage.SHIPPED, shipments)
            modeladmin.message_user(request, f"{done}건의 주문을 발송 처리했습니다.", messages.SUCCESS)
            return None
    else:
        _skipped(modeladmin, request, queryset, movable, "발송 처리")
        if not movable:
            return None
        formset = ShipmentFormSet(initial=[{"order_id": order_id} for order_id in movable], prefix="ship")
    rows = [(form, orders.get(_int(form["order_id"].value()))) for form in formset]
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "발송 처리",
        "opts": modeladmin.model._meta,
        "formset": formset,
        "rows": rows,
        "carriers": CARRIERS,
        "selected": queryset.values_list("pk", flat=True),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action": "ship_orders",
    }
    return TemplateResponse(request, "admin/orders/order/ship_orders.html", context)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@admin.action(description="선택한 주문을 배송 완료로", permissions=["fulfil"])
def mark_delivered(modeladmin, request, queryset):
    movable = _movable(queryset, Stage.DELIVERED)
    _skipped(modeladmin, request, queryset, movable, "배송 완료로 표시")
    done = _advance(modeladmin, request, movable, Stage.DELIVERED)
    modeladmin.message_user(request, f"{done}건의 주문을 배송 완료로 바꿨습니다.", messages.SUCCESS)
