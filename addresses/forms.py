from django import forms

from addresses import rules
from addresses.models import Address


class AddressForm(forms.ModelForm):
    """The storefront's address form: the model's validators, addresses.rules' Korean messages."""

    class Meta:
        model = Address
        fields = ["recipient", "phone", "postal_code", "address", "address_detail", "memo", "is_default"]
        labels = {"is_default": "기본 배송지로 설정"}
        help_texts = {"phone": "예: 010-1234-5678", "postal_code": "숫자 5자리, 예: 06236"}
        error_messages = {
            name: {"required": missing, "max_length": too_long} for name, (missing, too_long) in rules.MESSAGES.items()
        }
        widgets = {
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
            "postal_code": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
            "address": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "address_detail": forms.TextInput(attrs={"autocomplete": "address-line2"}),
            "recipient": forms.TextInput(attrs={"autocomplete": "name"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["memo"].widget.attrs["placeholder"] = "문 앞에 놓아 주세요"
