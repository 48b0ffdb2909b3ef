from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm


class LoginForm(AuthenticationForm):
    username = forms.CharField(label="아이디", max_length=150, widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(label="비밀번호", strip=False, widget=forms.PasswordInput)


class SignupForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        labels = {"username": "아이디"}
