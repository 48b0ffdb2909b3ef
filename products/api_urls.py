from django.urls import path

from products import api

# JSON API routes of this app, mounted under /api/.
urlpatterns = [
    path("products", api.ProductListApi.as_view(), name="api-products"),
    path("products/top", api.ProductTopApi.as_view(), name="api-products-top"),
    path("products/<int:productId>", api.ProductDetailApi.as_view(), name="api-product"),
]
