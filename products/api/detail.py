"""One product (public, cached) and a staff member editing it."""

from drf_spectacular.utils import extend_schema
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import IsStaff
from core.api.schema import problems
from core.errors import InvalidRequest
from products import cache, images, selectors, services
from products.api.cached import cached_json
from products.api.catalog import PictureUploadIn, picture_from_multipart
from products.api.serializers import (
    ProductDetailOut,
    ProductPatchIn,
    ProductStaffOut,
    detail_data,
    staff_data,
)
from products.drops import API_NAMES


class ProductDetailApi(APIView):
    # Public: any credentials sent are ignored (a stale or bad token must not break a public read).
    # No docstring: OPTIONS /api/products/{productId} is answered here (core.api.routing) and says none.
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="products_retrieve",
        description="An active product. Stock may be up to 10 s stale (cached).",
        responses={200: ProductDetailOut, **problems((404, "PRODUCT_NOT_FOUND"))},
        auth=[],
    )
    def get(self, request, productId: int):  # path names as in API.md
        product_id = productId
        return cached_json(
            ("detail", product_id),
            cache.DETAIL_TTL,
            lambda: detail_data(selectors.product_get(product_id=product_id), cached=True),
        )


class ProductUpdateApi(APIView):
    parser_classes = [JSONParser, MultiPartParser]  # multipart: the staff picture upload
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="products_update",
        description=(
            "Staff only. Any of the fields; inactive products can be edited (and re-activated). The drop "
            "rules (as for create) hold for the product as it would be after the change. As "
            "multipart/form-data with the file field `image` (only): sets the product's picture."
        ),
        request={"application/json": ProductPatchIn, "multipart/form-data": PictureUploadIn},
        responses={
            200: ProductStaffOut,
            **problems(
                (400, "INVALID_REQUEST"), (401, "UNAUTHENTICATED"), (403, "FORBIDDEN"), (404, "PRODUCT_NOT_FOUND")
            ),
        },
    )
    def patch(self, request, productId: int):
        product_id = productId
        if request.content_type.startswith("multipart/form-data"):
            renditions = picture_from_multipart(request)
            return Response(staff_data(images.product_image_set(product_id=product_id, renditions=renditions)))
        if not isinstance(request.data, dict):
            raise InvalidRequest("요청 본문은 JSON 객체여야 합니다.")
        data = ProductPatchIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = {
            name: value for name, value in data.validated_data.items() if API_NAMES.get(name, name) in request.data
        }
        product = services.product_update(product_id=product_id, **fields)
        return Response(staff_data(product))
