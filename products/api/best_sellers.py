"""The best sellers (`/api/products/top`): public, precomputed and cached."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from products.api.cached import json_response
from products.api.serializers import BestSellersSerializer
from products.best_sellers import best_sellers_json


class BestSellersApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="products_top",
        description=(
            "인기 상품: top 5 active products by quantity sold in paid orders over today and the two "
            "days before (Asia/Seoul), cancelled orders excluded; ties by lower product id. "
            "Precomputed about every 10 s."
        ),
        responses={200: BestSellersSerializer},
        auth=[],
    )
    def get(self, request):
        return json_response(best_sellers_json())
