from django.urls import path

from products import views

app_name = "products"

# Storefront pages of this app.
urlpatterns = [
    path("", views.product_catalog, name="catalog"),
    path("drops/", views.drop_list, name="drops"),
    path("<int:product_id>/", views.product_detail, name="detail"),
]
