from django import forms

from orders.lines import MAX_QUANTITY


class CartLineForm(forms.Form):
    product_id = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    quantity = forms.IntegerField(
        label="수량",
        min_value=1,
        max_value=MAX_QUANTITY,
        initial=1,
        error_messages={
            "required": "수량을 입력해 주세요.",
            "invalid": "수량은 숫자로 입력해 주세요.",
            "min_value": "수량은 1개 이상이어야 합니다.",
            "max_value": f"수량은 {MAX_QUANTITY}개 이하여야 합니다.",
        },
    )


class CartRemoveForm(forms.Form):
    product_id = forms.IntegerField(min_value=1, max_value=2**63 - 1)


class CheckoutForm(forms.Form):
    """`coupon` is a coupon drop id from the shopper's usable coupons, or empty for none; `address`
    one of the shopper's delivery addresses (the storefront does not ship without one)."""

    address = forms.TypedChoiceField(
        label="배송지",
        coerce=int,
        error_messages={
            "required": "배송지를 선택해 주세요. 배송지가 없으면 먼저 추가해 주세요.",
            "invalid_choice": "배송지를 찾을 수 없습니다. 배송지를 다시 선택해 주세요.",
        },
    )

    coupon = forms.TypedChoiceField(
        label="쿠폰",
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={
            "invalid_choice": "유효하지 않은 쿠폰: 이 주문에 쓸 수 없는 쿠폰입니다. 다른 쿠폰을 골라 주세요."
        },
    )

    def __init__(self, *args, coupons=(), addresses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address"].choices = [(a.pk, str(a)) for a in addresses]
        default = next((a.pk for a in addresses if a.is_default), None)
        self.fields["address"].initial = default
        self.fields["coupon"].choices = [("", "사용 안 함")] + [(c.coupon_id, c.name) for c in coupons]
