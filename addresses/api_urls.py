from django.urls import path

from addresses import api
from core.api.routing import by_method

urlpatterns = [
    path("addresses", by_method(get=api.AddressListApi, post=api.AddressCreateApi), name="api-addresses"),
    path(
        "addresses/<int:addressId>",
        by_method(patch=api.AddressUpdateApi, delete=api.AddressDeleteApi),
        name="api-address",
    ),
]
