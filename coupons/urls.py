from django.urls import path  # noqa: F401

app_name = "coupons"

# Storefront pages of this app.
urlpatterns: list = []
