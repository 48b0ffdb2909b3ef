from django.urls import path  # noqa: F401

app_name = "orders"

# Storefront pages of this app.
urlpatterns: list = []
