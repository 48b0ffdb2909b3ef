from django.urls import path  # noqa: F401

app_name = "products"

# Storefront pages of this app.
urlpatterns: list = []
