"""The products API's input and output shapes (camelCase as API.md writes it)."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from core.api.fields import StrictIntegerField
from core.api.pagination import page_serializer
from products import images
from products.api.catalog import picture_fields
from products.api.drops import DropFieldsOut, DropIn, drop_data

ProductItemOut = type(
    "ProductItem",  # the schema's name, as published
    (DropFieldsOut,),
    {
        "id": serializers.IntegerField(),
        "name": serializers.CharField(),
        "price": serializers.IntegerField(),
        "stock": serializers.IntegerField(),
        **picture_fields(),
    },
)


ProductPageOut = page_serializer(ProductItemOut, "ProductPage")


@extend_schema_serializer(component_name="ProductDetail")
class ProductDetailOut(ProductItemOut):
    description = serializers.CharField()


@extend_schema_serializer(component_name="ProductStaff")
class ProductStaffOut(ProductDetailOut):
    active = serializers.BooleanField()


@extend_schema_serializer(component_name="TopItem")  # the schema's name, as published
class BestSellerItemOut(serializers.Serializer):
    rank = serializers.IntegerField()
    productId = serializers.IntegerField()
    name = serializers.CharField()
    price = serializers.IntegerField()
    soldQuantity = serializers.IntegerField()


# `from` is a Python keyword, hence the dict form. "ProductTop" is the schema's component name.
BestSellersSerializer = type(
    "ProductTop",
    (serializers.Serializer,),
    {"from": serializers.DateField(), "to": serializers.DateField(), "items": BestSellerItemOut(many=True)},
)


@extend_schema_serializer(component_name="ProductInput")
class ProductIn(DropIn):
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


@extend_schema_serializer(component_name="ProductPatch")
class ProductPatchIn(ProductIn):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


def detail_data(product, *, cached: bool = False) -> dict:
    """`cached`: for a body to be cached, whose saleStatus is resolved when answering."""
    return {
        "id": product.id,
        "name": product.name,
        "description": product.description,
        "price": product.price,
        "stock": product.stock,
        **drop_data(product, cached=cached),
        **images.image_urls(product.image, product.thumbnail),
        "category": {"slug": product.category.slug, "name": product.category.name} if product.category_id else None,
    }


def staff_data(product) -> dict:
    return {**detail_data(product), "active": product.active}
