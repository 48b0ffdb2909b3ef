from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("cart/", views.cart_view, name="cart"),
    path("cart/add/", views.cart_add, name="cart-add"),
    path("cart/update/", views.cart_update, name="cart-update"),
    path("cart/remove/", views.cart_remove, name="cart-remove"),
    path("checkout/", views.checkout, name="checkout"),
    path("<int:order_id>/", views.order_detail, name="detail"),
    path("<int:order_id>/complete/", views.order_complete, name="complete"),
    path("<int:order_id>/cancel/", views.order_cancel_view, name="cancel"),
]
