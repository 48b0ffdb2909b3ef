from django.urls import path

from products.api.best_sellers import BestSellersApi
from products.api.catalog import CategoryListApi
from products.api.detail import ProductDetailApi
from products.api.drops import ProductDropsApi
from products.api.listing import ProductListApi

# JSON API routes of this app, mounted under /api/.
urlpatterns = [
    path("products", ProductListApi.as_view(), name="api-products"),
    path("products/drops", ProductDropsApi.as_view(), name="api-products-drops"),
    path("categories", CategoryListApi.as_view(), name="api-categories"),
    path("products/top", BestSellersApi.as_view(), name="api-products-top"),
    path("products/<int:productId>", ProductDetailApi.as_view(), name="api-product"),
]
