from django import forms
from django.conf import settings

from core.templatetags.shop import won


class WonField(forms.IntegerField):
    """Whole won; tolerates what people type: '10,000', '10000원', spaces."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(",", "").replace("원", "").strip()
        return super().to_python(value)


class ChargeForm(forms.Form):
    amount = WonField(
        label="충전 금액(원)",
        error_messages={
            "required": "충전할 금액을 입력해 주세요.",
            "invalid": "금액은 원 단위의 정수로 입력해 주세요. (예: 10000)",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "10000"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].help_text = f"한 번에 1원부터 {won(settings.BALANCE_MAX_CHARGE)}까지 충전할 수 있습니다."

    def clean_amount(self) -> int:
        amount = self.cleaned_data["amount"]
        if amount < 1:
            raise forms.ValidationError("충전 금액은 1원 이상이어야 합니다.")
        if amount > settings.BALANCE_MAX_CHARGE:
            raise forms.ValidationError(f"한 번에 최대 {won(settings.BALANCE_MAX_CHARGE)}까지 충전할 수 있습니다.")
        return amount


class AdjustForm(forms.Form):
    """Admin: a signed staff correction with its reason."""

    amount = WonField(
        label="조정 금액(원)",
        help_text="늘리려면 양수, 줄이려면 음수를 입력하세요. 잔액은 0원 아래로 내려가지 않습니다.",
        error_messages={"required": "조정 금액을 입력해 주세요.", "invalid": "금액은 원 단위의 정수로 입력해 주세요."},
    )
    reason = forms.CharField(
        label="사유",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "조정 사유를 입력해 주세요.", "max_length": "사유는 500자 이하로 입력해 주세요."},
    )

    def clean_amount(self) -> int:
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError("0원은 조정할 수 없습니다.")
        return amount
