from django.urls import path

from addresses import api

urlpatterns = [
    path("addresses", api.AddressesApi.as_view(), name="api-addresses"),
    path("addresses/<int:addressId>", api.AddressDetailApi.as_view(), name="api-address"),
]
