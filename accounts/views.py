from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView, LogoutView
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.forms import LoginForm, SignupForm
from accounts.services import user_signup
from core.errors import InvalidRequest


class ShopLoginView(LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.rate_limited:  # slowed password guessing (accounts/login_guard.py)
            response.status_code = 429
        return response


class ShopLogoutView(LogoutView):
    pass


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_signup(username=form.cleaned_data["username"], password=form.cleaned_data["password1"])
        except InvalidRequest as exc:
            for error in exc.errors or []:
                form.add_error("password2" if error["field"] == "password" else error["field"], error["message"])
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"{user.username}님, 환영합니다!")
            return redirect("home")
    return render(request, "accounts/signup.html", {"form": form})
