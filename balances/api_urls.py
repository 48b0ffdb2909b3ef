from django.urls import path

from balances import api

# JSON API routes of this app, mounted under /api/. `charge` comes before the `{userId}` route.
urlpatterns = [
    path("balance/charge", api.BalanceChargeApi.as_view(), name="api-balance-charge"),
    path("balance/<str:userId>", api.BalanceDetailApi.as_view(), name="api-balance-detail"),
    path("balance/<str:userId>/history", api.BalanceHistoryApi.as_view(), name="api-balance-history"),
]
