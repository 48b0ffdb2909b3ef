"""The catalog's additions to the products API (API.md § Categories and sorting, `imageUrl` /
`thumbnailUrl` / `category` of product objects): `GET /api/categories`, the list's `category` and
`sort` parameters, and the staff picture upload (`PATCH /api/products/{id}` as multipart)."""

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from core.api.schema import problems
from core.errors import InvalidRequest
from products import cache, categories, images

_renderer = JSONRenderer()


@extend_schema_serializer(component_name="CategoryRef")
class CategoryRefOut(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="CategoryItem")
class CategoryItemOut(CategoryRefOut):
    productCount = serializers.IntegerField()


@extend_schema_serializer(component_name="CategoryList")
class CategoryListOut(serializers.Serializer):
    items = CategoryItemOut(many=True)


def picture_fields() -> dict:
    """The product object's picture and category fields, for its serializers (OpenAPI)."""
    return {
        "imageUrl": serializers.CharField(allow_null=True, help_text="the large WebP rendition (square)"),
        "thumbnailUrl": serializers.CharField(allow_null=True, help_text="the card's WebP rendition (400×400)"),
        "category": CategoryRefOut(allow_null=True),
    }


def list_parameters() -> list[OpenApiParameter]:
    return [
        OpenApiParameter("category", str, required=False, description="a category slug (GET /api/categories)"),
        OpenApiParameter(
            "sort",
            str,
            required=False,
            enum=list(categories.SORTS),
            description="id (default, ascending), new (newest first), price (ascending), -price; ties by id",
        ),
    ]


def list_filters(query_params) -> tuple[str | None, str]:
    """The list's checked `category` slug (not yet looked up) and `sort` key."""
    return categories.slug_checked(query_params.get("category")), categories.sort_checked(query_params.get("sort"))


class CategoryListApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="categories_list",
        description="Every category in menu order, with how many active products it has.",
        responses={200: CategoryListOut},
        auth=[],
    )
    def get(self, request):
        body = cache.fetch_single_flight(
            cache.key("categories"), lambda: _renderer.render({"items": categories.category_list()}), cache.LIST_TTL
        )
        return HttpResponse(body, content_type="application/json")


def picture_from_multipart(request) -> images.Renditions:
    """The renditions of a multipart PATCH's `image` file, checked (INVALID_REQUEST otherwise).
    The size is refused from Content-Length before the body is read, when it says enough."""
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > images.MAX_BYTES + 64 * 1024:
        raise images.InvalidImage(images.too_large_message())
    others = sorted(set(request.data) - {images.FIELD})
    if others:
        raise InvalidRequest(
            "multipart/form-data 요청은 image 파일만 받습니다. 다른 필드는 JSON으로 보내 주세요.",
            errors=[{"field": name, "message": "multipart에서는 받지 않는 필드"} for name in others],
        )
    upload = request.FILES.get(images.FIELD)
    if upload is None:
        raise images.InvalidImage("image 파일이 없습니다.")
    return images.renditions_from_upload(upload)


@extend_schema_serializer(component_name="PictureUpload")
class PictureUploadIn(serializers.Serializer):
    image = serializers.FileField(help_text="JPEG, PNG or WebP by content, at most 5 MB, 400..10,000 px a side")


UPLOAD_PROBLEMS = problems(
    (400, "INVALID_REQUEST"), (401, "UNAUTHENTICATED"), (403, "FORBIDDEN"), (404, "PRODUCT_NOT_FOUND")
)
