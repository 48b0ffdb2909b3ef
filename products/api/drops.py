"""The timed-drop part of the products API (API.md "Timed drops"): the fields every product object
carries, the staff input for them, and `GET /api/products/drops`."""

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from core.api.fields import StrictIntegerField, WindowTimeField
from products import cache, selectors
from products.drops import ADMIT_PER_SECOND_MAX, SaleStatus, resolve_statuses, sale_status, status_token

_renderer = JSONRenderer()
_DATETIME = serializers.DateTimeField()  # one instance: the contract's format, in Asia/Seoul
LIMIT_MAX = 2**31 - 1  # the column is an integer


def _time(moment) -> str | None:
    return None if moment is None else _DATETIME.to_representation(moment)


def drop_data(product, *, cached: bool) -> dict:
    """The drop fields of a product object, from a Product or a row dict with the model's names.
    For a body to be cached, a drop's `saleStatus` is a token resolved when answering
    (products.drops); otherwise it is the status now."""
    get: Callable[[str], Any] = product.get if isinstance(product, dict) else product.__dict__.get
    if not cached:
        status = sale_status(
            starts_at=get("sale_starts_at"), ends_at=get("sale_ends_at"), stock=get("stock"), at=timezone.now()
        )
        return {**drop_data(product, cached=True), "saleStatus": status.value}
    return {
        "listPrice": get("list_price"),
        "saleStartsAt": _time(get("sale_starts_at")),
        "saleEndsAt": _time(get("sale_ends_at")),
        "perCustomerLimit": get("per_customer_limit"),
        "waitingRoom": bool(get("waiting_room")),
        "admitPerSecond": get("admit_per_second"),
        "saleStatus": status_token(starts_at=get("sale_starts_at"), ends_at=get("sale_ends_at"), stock=get("stock")),
    }


def item_data(row: dict) -> dict:
    """A list item to be cached (`{id, name, price, stock}` and the drop fields) from a selectors row."""
    return {
        "id": row["id"],
        "name": row["name"],
        "price": row["price"],
        "stock": row["stock"],
        **drop_data(row, cached=True),
        # the picture and category (products.selectors._item)
        "imageUrl": row["imageUrl"],
        "thumbnailUrl": row["thumbnailUrl"],
        "category": row["category"],
    }


class DropFieldsOut(serializers.Serializer):
    """For the schema: what every product object also carries."""

    listPrice = serializers.IntegerField(allow_null=True, help_text="정가; set → ≥ price")
    saleStartsAt = serializers.DateTimeField(allow_null=True, help_text="null = on sale since it was created")
    saleEndsAt = serializers.DateTimeField(allow_null=True, help_text="null = until sold out")
    perCustomerLimit = serializers.IntegerField(
        allow_null=True, min_value=1, help_text="most units one customer may hold in PAID orders; null = no limit"
    )
    waitingRoom = serializers.BooleanField(help_text="shoppers queue (POST /api/products/{id}/queue) before ordering")
    admitPerSecond = serializers.IntegerField(
        allow_null=True, min_value=1, max_value=10_000, help_text="the room's pace; null = the site's default"
    )
    saleStatus = serializers.ChoiceField(
        choices=[status.value for status in SaleStatus],
        help_text="derived at the time of the answer: UPCOMING, ON_SALE, SOLD_OUT (on sale, stock 0), ENDED",
    )


class DropIn(serializers.Serializer):
    """Staff input for the drop fields (create and update). The rules that relate fields (정가 ≥
    price, end after start) are the service's (products.drops.ensure_drop_rules)."""

    listPrice = StrictIntegerField(source="list_price", required=False, allow_null=True, min_value=1)
    saleStartsAt = WindowTimeField(source="sale_starts_at", required=False, allow_null=True)
    saleEndsAt = WindowTimeField(source="sale_ends_at", required=False, allow_null=True)
    perCustomerLimit = StrictIntegerField(
        source="per_customer_limit", required=False, allow_null=True, min_value=1, max_value=LIMIT_MAX
    )
    waitingRoom = serializers.BooleanField(source="waiting_room", required=False)
    admitPerSecond = StrictIntegerField(
        source="admit_per_second", required=False, allow_null=True, min_value=1, max_value=ADMIT_PER_SECOND_MAX
    )


@extend_schema_serializer(component_name="DropItem")
class DropItemOut(DropFieldsOut):
    id = serializers.IntegerField()
    name = serializers.CharField()
    price = serializers.IntegerField()
    stock = serializers.IntegerField()


DropListOut = type("ProductDrops", (serializers.Serializer,), {"items": DropItemOut(many=True)})


def drops_cache_key(request) -> str:
    return cache.key("drops")


_ENDED = b'"saleStatus":"ENDED"'


def finish_drops(body: bytes) -> bytes:
    """The cached drops list as of now: statuses resolved, and any drop that ended since the list
    was rendered left out (the list is of drops that have not ended)."""
    body = resolve_statuses(body)
    if _ENDED not in body:
        return body
    items = [item for item in json.loads(body)["items"] if item["saleStatus"] != SaleStatus.ENDED]
    return json.dumps({"items": items}, ensure_ascii=False, separators=(",", ":")).encode()


class ProductDropsApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="products_drops",
        description=(
            "타임딜: active drops (products with `saleStartsAt` or `saleEndsAt`) that have not ended "
            "(UPCOMING, ON_SALE, SOLD_OUT), by `saleStartsAt` then id. `saleStatus` follows the clock "
            "to the second; stock may be up to 10 s stale (cached)."
        ),
        responses={200: DropListOut},
        auth=[],
    )
    def get(self, request):
        body = cache.fetch_single_flight(
            drops_cache_key(request),
            lambda: _renderer.render({"items": [item_data(row) for row in selectors.drops_open()]}),
            cache.LIST_TTL,
        )
        return HttpResponse(finish_drops(body), content_type="application/json")
