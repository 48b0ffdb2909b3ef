from django.urls import path

from waiting_room import views

app_name = "waiting_room"

# Storefront pages of this app.
urlpatterns = [
    path("<int:product_id>/", views.queue_page, name="queue"),
    path("<int:product_id>/join/", views.queue_join_page, name="join"),
]
