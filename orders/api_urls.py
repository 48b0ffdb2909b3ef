from django.urls import path

from orders import api, api_fulfilment

urlpatterns = [
    path("orders", api.OrdersApi.as_view(), name="api-orders"),
    path("orders/<int:orderId>", api.OrderDetailApi.as_view(), name="api-order"),
    path("orders/<int:orderId>/cancel", api.OrderCancelApi.as_view(), name="api-order-cancel"),
    path("orders/<int:orderId>/fulfilment", api_fulfilment.OrderFulfilmentApi.as_view(), name="api-order-fulfilment"),
]
