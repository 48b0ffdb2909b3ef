"""The product list (public, cached) and a staff member adding a product."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.pagination import page_body, page_parameters, page_params
from core.api.permissions import IsStaff
from core.api.schema import problems
from products import cache, categories, selectors, services
from products.api.cached import cached_json
from products.api.catalog import list_filters, list_parameters
from products.api.drops import item_data
from products.api.keys import keyword_param, list_key_parts
from products.api.serializers import ProductIn, ProductPageOut, ProductStaffOut, staff_data


class ProductListApi(APIView):
    # Public: any credentials sent are ignored (a stale or bad token must not break a public read).
    # No docstring: OPTIONS /api/products is answered here (core.api.routing) and says none.
    authentication_classes: list = []
    permission_classes = [AllowAny]

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
            *list_parameters(),
        ],
        responses={200: ProductPageOut, **problems((400, "INVALID_REQUEST"))},
        auth=[],
    )
    def get(self, request):
        params = page_params(request.query_params)
        keyword = keyword_param(request.query_params)
        slug, sort = list_filters(request.query_params)

        def compute() -> dict:
            category_id = categories.category_id_for(slug)
            if keyword:
                items, total = selectors.product_search(
                    keyword=keyword, page=params.page, size=params.size, category_id=category_id, sort=sort
                )
                return page_body([item_data(row) for row in items], params, total)
            # The catalog's total is cached on its own, shared by every page: when the pages of
            # the list expire together, the COUNT over every product runs once, not per page.
            total = int(
                cache.fetch_single_flight(
                    cache.key("count", slug or "-"),
                    lambda: str(selectors.product_count(keyword=None, category_id=category_id)).encode(),
                    cache.LIST_TTL,
                )
            )
            past_the_end = params.offset >= total
            items = (
                []
                if past_the_end
                else selectors.product_page(
                    keyword=None, page=params.page, size=params.size, category_id=category_id, sort=sort
                )
            )
            return page_body([item_data(row) for row in items], params, total)

        return cached_json(list_key_parts(params, keyword, slug, sort), cache.LIST_TTL, compute)


class ProductCreateApi(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="products_create",
        description=(
            "Staff only. `description` is optional (default empty), `active` defaults to true. Drop fields "
            "(`listPrice`, `saleStartsAt`, `saleEndsAt`, `perCustomerLimit`) optional; rules → 400 "
            "INVALID_REQUEST with errors[]: `saleEndsAt` after `saleStartsAt`, `listPrice` ≥ `price`, "
            "`perCustomerLimit` ≥ 1."
        ),
        request=ProductIn,
        responses={
            201: ProductStaffOut,
            **problems((400, "INVALID_REQUEST"), (401, "UNAUTHENTICATED"), (403, "FORBIDDEN")),
        },
    )
    def post(self, request):
        data = ProductIn(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.product_create(**data.validated_data)
        return Response(staff_data(product), status=status.HTTP_201_CREATED)
