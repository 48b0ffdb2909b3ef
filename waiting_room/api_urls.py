from django.urls import path

from waiting_room import api

# JSON API routes of this app, mounted under /api/.
urlpatterns = [
    path("products/<int:productId>/queue", api.QueueJoinApi.as_view(), name="api-queue-join"),
    path("products/<int:productId>/queue/<str:ticket>", api.QueueTicketApi.as_view(), name="api-queue-ticket"),
]
