from typing import TYPE_CHECKING

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from accounts import login_guard

RATE_LIMITED = "로그인 시도가 너무 많습니다. %(minutes)s분 후에 다시 시도해 주세요."


if TYPE_CHECKING:  # what the mixin is mixed into, for the type checker only
    _LoginForm = AuthenticationForm
else:
    _LoginForm = object


class LoginGuardMixin(_LoginForm):
    """Refuses a login form for a username + address that failed too often (accounts/login_guard)."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = login_guard.client_address(self.request)
        wait = login_guard.retry_after(username, address)
        if wait is not None:
            raise ValidationError(RATE_LIMITED, code="rate_limited", params={"minutes": max(1, -(-wait // 60))})
        try:
            cleaned = super().clean()
        except ValidationError:
            login_guard.record_failure(username, address)
            raise
        login_guard.clear(username, address)
        return cleaned

    @property
    def rate_limited(self) -> bool:
        return self.has_error(NON_FIELD_ERRORS, "rate_limited")


class LoginForm(LoginGuardMixin, AuthenticationForm):
    username = forms.CharField(label="아이디", max_length=150, widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(label="비밀번호", strip=False, widget=forms.PasswordInput)

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "올바른 아이디와 비밀번호를 입력해 주세요. 대문자와 소문자를 구별합니다.",
    }


class AdminLoginForm(LoginGuardMixin, AdminAuthenticationForm):
    """The admin's own login form, with the same guard (set as admin.site.login_form)."""


class SignupForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        labels = {"username": "아이디"}
