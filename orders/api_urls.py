from django.urls import path

from core.api.routing import by_method
from orders import api, api_fulfilment

urlpatterns = [
    path("orders", by_method(get=api.OrderListApi, post=api.OrderCreateApi), name="api-orders"),
    path("orders/<int:orderId>", api.OrderDetailApi.as_view(), name="api-order"),
    path("orders/<int:orderId>/cancel", api.OrderCancelApi.as_view(), name="api-order-cancel"),
    path("orders/<int:orderId>/fulfilment", api_fulfilment.OrderFulfilmentApi.as_view(), name="api-order-fulfilment"),
]
