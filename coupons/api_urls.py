from django.urls import path

from core.api.routing import by_method
from coupons import api

# JSON API routes of this app, mounted under /api/.
urlpatterns = [
    path("coupons", by_method(get=api.CouponListApi, post=api.CouponCreateApi), name="api-coupons"),
    path("coupon/issue", api.CouponIssueApi.as_view(), name="api-coupon-issue"),
    path("coupon/users/<str:userId>", api.UserCouponListApi.as_view(), name="api-coupon-user-list"),
]
