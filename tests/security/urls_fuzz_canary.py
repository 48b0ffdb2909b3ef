"""Project URLs plus one API view with a planted server error, to prove the fuzzing finds one."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project_urlpatterns


class CanaryApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    class CanarySerializer(serializers.Serializer):
        name = serializers.CharField(max_length=50)

    @extend_schema(operation_id="canary", request=CanarySerializer, responses={200: CanarySerializer})
    def post(self, request):
        data = self.CanarySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if len(data.validated_data["name"]) > 3:
            raise RuntimeError("planted bug: names longer than 3 characters crash")
        return Response(data.validated_data)


urlpatterns = [path("api/test/canary", CanaryApi.as_view()), *project_urlpatterns]
