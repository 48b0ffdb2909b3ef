from django.urls import path

from core.api.routing import by_method
from products.api.best_sellers import BestSellersApi
from products.api.cache_first import cache_first
from products.api.catalog import CategoryListApi
from products.api.detail import ProductDetailApi, ProductUpdateApi
from products.api.drops import ProductDropsApi, drops_cache_key, finish_drops
from products.api.keys import best_sellers_cache_key, detail_cache_key, list_cache_key
from products.api.listing import ProductCreateApi, ProductListApi

# JSON API routes of this app, mounted under /api/. A cached read's hit is answered before DRF
# (products.api.cache_first); everything else goes to its view.
urlpatterns = [
    path(
        "products",
        cache_first(list_cache_key)(by_method(get=ProductListApi, post=ProductCreateApi)),
        name="api-products",
    ),
    path(
        "products/drops",
        cache_first(drops_cache_key, finish=finish_drops)(ProductDropsApi.as_view()),
        name="api-products-drops",
    ),
    path("categories", CategoryListApi.as_view(), name="api-categories"),
    path("products/top", cache_first(best_sellers_cache_key)(BestSellersApi.as_view()), name="api-products-top"),
    path(
        "products/<int:productId>",
        cache_first(detail_cache_key)(by_method(get=ProductDetailApi, patch=ProductUpdateApi)),
        name="api-product",
    ),
]
