from django.urls import path  # noqa: F401

# JSON API routes of this app, mounted under /api/.
urlpatterns: list = []
