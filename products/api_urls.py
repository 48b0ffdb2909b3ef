from django.urls import path

from core.api.routing import by_method
from products.api.best_sellers import BestSellersApi
from products.api.catalog import CategoryListApi
from products.api.detail import ProductDetailApi, ProductUpdateApi
from products.api.drops import ProductDropsApi
from products.api.listing import ProductCreateApi, ProductListApi

# JSON API routes of this app, mounted under /api/.
urlpatterns = [
    path("products", by_method(get=ProductListApi, post=ProductCreateApi), name="api-products"),
    path("products/drops", ProductDropsApi.as_view(), name="api-products-drops"),
    path("categories", CategoryListApi.as_view(), name="api-categories"),
    path("products/top", BestSellersApi.as_view(), name="api-products-top"),
    path("products/<int:productId>", by_method(get=ProductDetailApi, patch=ProductUpdateApi), name="api-product"),
]
