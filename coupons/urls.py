from django.urls import path

from coupons import views

app_name = "coupons"

# Storefront pages of this app.
urlpatterns = [
    path("", views.coupon_list, name="list"),
    path("<int:coupon_id>/issue/", views.coupon_issue_view, name="issue"),
    path("mine/", views.my_coupons, name="mine"),
]
