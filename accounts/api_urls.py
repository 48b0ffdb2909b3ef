from django.urls import path

from accounts import api

urlpatterns = [
    path("auth/signup", api.SignupApi.as_view(), name="api-auth-signup"),
    path("auth/token", api.TokenApi.as_view(), name="api-auth-token"),
    path("auth/token/refresh", api.TokenRefreshApi.as_view(), name="api-auth-token-refresh"),
    path("auth/logout", api.LogoutApi.as_view(), name="api-auth-logout"),
]
