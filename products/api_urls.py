from django.urls import path

from products import api

# JSON API routes of this app, mounted under /api/. Cached reads are answered before DRF on a hit.
urlpatterns = [
    path("products", api.cache_first(api.list_cache_key)(api.ProductListApi.as_view()), name="api-products"),
    path("products/top", api.cache_first(api.top_cache_key)(api.ProductTopApi.as_view()), name="api-products-top"),
    path(
        "products/<int:productId>",
        api.cache_first(api.detail_cache_key)(api.ProductDetailApi.as_view()),
        name="api-product",
    ),
]
