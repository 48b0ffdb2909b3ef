from django.urls import path

from products import views

app_name = "products"

# Storefront pages of this app.
urlpatterns = [
    path("", views.product_catalog, name="catalog"),
    path("<int:product_id>/", views.product_detail, name="detail"),
]
