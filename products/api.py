"""Products API (API.md § Products). Public reads answer from the cache with the JSON bytes
rendered once; staff writes go through `products.services` and bump the cache version."""

import functools
import hashlib

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import SAFE_METHODS, AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.fields import StrictIntegerField
from core.api.pagination import page_body, page_parameters, page_params, page_serializer
from core.api.permissions import IsStaff
from core.api.schema import problems
from core.errors import InvalidRequest
from products import cache, selectors, services
from products.top import top_json, top_key

_renderer = JSONRenderer()


def _json_response(body: bytes) -> HttpResponse:
    return HttpResponse(body, content_type="application/json")


def _cached_json(cache_key_parts: tuple, ttl: int, compute) -> HttpResponse:
    """The rendered JSON bytes from the cache (a hit is one Redis round trip and no rendering),
    or rendered from the database and stored. Without Redis it answers from the database."""
    return _json_response(
        cache.fetch_single_flight(cache.key(*cache_key_parts), lambda: _renderer.render(compute()), ttl)
    )


def cache_first(cache_key_for):
    """Wraps a read view so that a cache hit is answered before DRF is involved: no request
    wrapping, negotiation, authentication or permission objects, only the cached bytes (the
    reads are public and ignore credentials anyway). `cache_key_for(request, **kwargs)` returns the
    key, or raises InvalidRequest for parameters the view would refuse. Anything not a plain hit
    (a miss, an entry due for a refresh, bad parameters, another method, an Accept header other than
    JSON or `*/*`, Redis down) goes to the view, which answers exactly as before and fills the cache."""

    def decorate(view):
        instance = view.view_class(**view.view_initkwargs)
        instance.setup(None)  # as Django does per request: gives HEAD to a view with GET
        allow = ", ".join(instance.allowed_methods)

        @functools.wraps(view)  # keeps csrf_exempt and the view class for the OpenAPI schema
        def serve(request, *args, **kwargs):
            if request.method == "GET" and request.META.get("HTTP_ACCEPT") in _JSON_ACCEPTS:
                try:
                    cache_key = cache_key_for(request, **kwargs)
                except InvalidRequest:
                    cache_key = None
                body = cache.lookup_fresh(cache_key) if cache_key else None
                if body is not None:
                    response = _json_response(body)
                    response["Allow"] = allow  # as DRF's own answer
                    return response
            return view(request, *args, **kwargs)

        return serve

    return decorate


_JSON_ACCEPTS = (None, "*/*", "application/json")


def _keyword(query_params) -> str | None:
    keyword = query_params.get("keyword")
    if keyword is None:
        return None
    if len(keyword) > selectors.KEYWORD_MAX_LENGTH:
        raise InvalidRequest(
            f"keyword는 {selectors.KEYWORD_MAX_LENGTH}자 이하여야 합니다.",
            errors=[{"field": "keyword", "message": f"{selectors.KEYWORD_MAX_LENGTH}자 이하여야 합니다."}],
        )
    if "\x00" in keyword:
        raise InvalidRequest(
            "keyword에 사용할 수 없는 문자가 있습니다.",
            errors=[{"field": "keyword", "message": "사용할 수 없는 문자가 있습니다."}],
        )
    return keyword.strip() or None


class ProductItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    price = serializers.IntegerField()
    stock = serializers.IntegerField()


ProductPageSerializer = page_serializer(ProductItemSerializer, "ProductPage")


class ProductDetailSerializer(ProductItemSerializer):
    description = serializers.CharField()


class ProductStaffSerializer(ProductDetailSerializer):
    active = serializers.BooleanField()


class TopItemSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    productId = serializers.IntegerField()
    name = serializers.CharField()
    price = serializers.IntegerField()
    soldQuantity = serializers.IntegerField()


# `from` is a Python keyword, hence the dict form.
TopSerializer = type(
    "ProductTop",
    (serializers.Serializer,),
    {"from": serializers.DateField(), "to": serializers.DateField(), "items": TopItemSerializer(many=True)},
)


def _detail_data(product) -> dict:
    return {
        "id": product.id,
        "name": product.name,
        "description": product.description,
        "price": product.price,
        "stock": product.stock,
    }


def _staff_data(product) -> dict:
    return {**_detail_data(product), "active": product.active}


class PublicReadStaffWriteMixin:
    """One URL, two audiences: reads are public and ignore any credentials (a stale or bad token
    must not break a public read); writes need a staff user (401 without a token, 403 otherwise)."""

    def initialize_request(self, request, *args, **kwargs):
        self._public_read = request.method in SAFE_METHODS
        return super().initialize_request(request, *args, **kwargs)

    def get_authenticators(self):
        if getattr(self, "_public_read", False):
            return []
        return super().get_authenticators()

    def get_permissions(self):
        if self.request is not None and self.request.method in SAFE_METHODS:
            return [AllowAny()]
        return [IsStaff()]


class ProductInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000, default="")
    price = StrictIntegerField(min_value=1)
    stock = StrictIntegerField(min_value=0)
    active = serializers.BooleanField(required=False, default=True)

    def validate_active(self, value):
        # DRF's BooleanField also takes "yes", 1, "true"; the contract says a JSON boolean.
        if "active" in self.initial_data and not isinstance(self.initial_data["active"], bool):
            raise serializers.ValidationError("true 또는 false여야 합니다.")
        return value


class ProductPatchSerializer(ProductInputSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


def _keyword_digest(keyword: str | None) -> str:
    return hashlib.sha256(keyword.encode()).hexdigest()[:32] if keyword else "-"


def _list_key_parts(params, keyword: str | None) -> tuple:
    return ("list", params.page, params.size, _keyword_digest(keyword))


def list_cache_key(request) -> str:
    return cache.key(*_list_key_parts(page_params(request.GET), _keyword(request.GET)))


def detail_cache_key(request, productId: int) -> str:
    return cache.key("detail", productId)


def top_cache_key(request) -> str:
    return top_key()


class ProductListApi(PublicReadStaffWriteMixin, APIView):
    @extend_schema(
        operation_id="products_list",
        description=(
            "활성 상품 목록. Order: product id ascending (stable across pages). `keyword` is a "
            "case-insensitive substring of the name (Korean included), at most 100 characters. "
            "Stock may be up to 10 s stale (cached); an order always checks live stock."
        ),
        parameters=[
            *page_parameters(default_size=10),
            OpenApiParameter("keyword", str, required=False, description="name contains (case-insensitive)"),
        ],
        responses={200: ProductPageSerializer, **problems((400, "INVALID_REQUEST"))},
        auth=[],
    )
    def get(self, request):
        params = page_params(request.query_params)
        keyword = _keyword(request.query_params)

        def compute() -> dict:
            if keyword:
                items, total = selectors.product_search(keyword=keyword, page=params.page, size=params.size)
                return page_body(items, params, total)
            # The catalog's total is cached on its own, shared by every page: when the pages of
            # the list expire together, the COUNT over every product runs once, not per page.
            total = int(
                cache.fetch_single_flight(
                    cache.key("count"), lambda: str(selectors.product_count(keyword=None)).encode(), cache.LIST_TTL
                )
            )
            past_the_end = params.offset >= total
            items = [] if past_the_end else selectors.product_page(keyword=None, page=params.page, size=params.size)
            return page_body(items, params, total)

        return _cached_json(_list_key_parts(params, keyword), cache.LIST_TTL, compute)

    @extend_schema(
        operation_id="products_create",
        description="Staff only. `description` is optional (default empty), `active` defaults to true.",
        request=ProductInputSerializer,
        responses={
            201: ProductStaffSerializer,
            **problems((400, "INVALID_REQUEST"), (401, "UNAUTHENTICATED"), (403, "FORBIDDEN")),
        },
    )
    def post(self, request):
        data = ProductInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.product_create(**data.validated_data)
        return Response(_staff_data(product), status=status.HTTP_201_CREATED)


class ProductDetailApi(PublicReadStaffWriteMixin, APIView):
    @extend_schema(
        operation_id="products_retrieve",
        description="An active product. Stock may be up to 10 s stale (cached).",
        responses={200: ProductDetailSerializer, **problems((404, "PRODUCT_NOT_FOUND"))},
        auth=[],
    )
    def get(self, request, productId: int):  # path names as in API.md
        product_id = productId
        return _cached_json(
            ("detail", product_id),
            cache.DETAIL_TTL,
            lambda: _detail_data(selectors.product_get(product_id=product_id)),
        )

    @extend_schema(
        operation_id="products_update",
        description="Staff only. Any of the fields; inactive products can be edited (and re-activated).",
        request=ProductPatchSerializer,
        responses={
            200: ProductStaffSerializer,
            **problems(
                (400, "INVALID_REQUEST"), (401, "UNAUTHENTICATED"), (403, "FORBIDDEN"), (404, "PRODUCT_NOT_FOUND")
            ),
        },
    )
    def patch(self, request, productId: int):
        product_id = productId
        if not isinstance(request.data, dict):
            raise InvalidRequest("요청 본문은 JSON 객체여야 합니다.")
        data = ProductPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = {name: value for name, value in data.validated_data.items() if name in request.data}
        product = services.product_update(product_id=product_id, **fields)
        return Response(_staff_data(product))


class ProductTopApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="products_top",
        description=(
            "인기 상품: top 5 active products by quantity sold in paid orders over today and the two "
            "days before (Asia/Seoul), cancelled orders excluded; ties by lower product id. "
            "Precomputed about every 10 s."
        ),
        responses={200: TopSerializer},
        auth=[],
    )
    def get(self, request):
        return _json_response(top_json())
