from django.urls import path

from balances import views

app_name = "balances"

# Storefront pages of this app.
urlpatterns = [
    path("", views.balance_page, name="index"),
]
