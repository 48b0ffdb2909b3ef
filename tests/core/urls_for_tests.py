"""Project URLs plus two views that exist only to exercise the error contract."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project_urlpatterns


class BoomApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request):
        raise RuntimeError("secret internals must not leak")


class PrivateApi(APIView):
    def get(self, request):
        return Response({"userId": request.user.pk})


urlpatterns = [
    path("api/test/boom", BoomApi.as_view()),
    path("api/test/private", PrivateApi.as_view()),
    *project_urlpatterns,
]
