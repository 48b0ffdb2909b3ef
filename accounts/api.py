from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts import login_guard
from accounts.fields import NewPasswordField, TextField, UsernameField
from accounts.services import user_signup
from core.api.refresh_tokens import refresh_token_spend
from core.api.schema import problems
from core.api.throttling import ScopedRateThrottle


@extend_schema_serializer(component_name="Input")
class SignupIn(serializers.Serializer):
    username = UsernameField(max_length=150, trim_whitespace=False)
    password = NewPasswordField(max_length=128, trim_whitespace=False, write_only=True)


@extend_schema_serializer(component_name="Output")
class SignupOut(serializers.Serializer):
    userId = serializers.IntegerField(source="pk")
    username = serializers.CharField()


class SignupApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "signup"

    @extend_schema(
        operation_id="auth_signup",
        request=SignupIn,
        responses={201: SignupOut, **problems((400, "INVALID_REQUEST"), (429, "RATE_LIMITED"))},
    )
    def post(self, request):
        data = SignupIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_signup(**data.validated_data)
        return Response(SignupOut(user).data, status=status.HTTP_201_CREATED)


# The token views are simplejwt's own; they ignore any Authorization header (a stale token must
# not stop anyone from getting a new one) and are throttled against password guessing: the scope
# throttle per address, and login_guard per username + address after repeated failures.
class TokenApi(TokenObtainPairView):
    authentication_classes = ()
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        operation_id="auth_token",
        request=inline_serializer("TokenObtainPair", {"username": TextField(), "password": TextField(write_only=True)}),
        responses={
            200: inline_serializer(
                "TokenPair", {"access": serializers.CharField(), "refresh": serializers.CharField()}
            ),
            **problems((400, "INVALID_REQUEST"), (401, "UNAUTHENTICATED"), (429, "RATE_LIMITED")),
        },
    )
    def post(self, request, *args, **kwargs):
        username = request.data.get("username") if isinstance(request.data, dict) else None
        if not isinstance(username, str):
            return super().post(request, *args, **kwargs)
        address = login_guard.client_address(request)
        wait = login_guard.retry_after(username, address)
        if wait is not None:
            raise Throttled(wait=wait, detail="로그인 시도가 너무 많습니다. 잠시 후 다시 시도해 주세요.")
        try:
            response = super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            login_guard.record_failure(username, address)
            raise
        login_guard.clear(username, address)
        return response


class TokenRefreshApi(TokenRefreshView):
    authentication_classes = ()
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        operation_id="auth_token_refresh",
        request=inline_serializer("TokenRefresh", {"refresh": TextField()}),
        responses={
            # the refresh token sent is spent: the answer carries the one to use next time
            200: inline_serializer(
                "TokenRefreshed", {"access": serializers.CharField(), "refresh": serializers.CharField()}
            ),
            **problems((400, "INVALID_REQUEST"), (401, "UNAUTHENTICATED"), (429, "RATE_LIMITED")),
        },
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


@extend_schema_serializer(component_name="LogoutInput")
class LogoutIn(serializers.Serializer):
    refresh = TextField()


class LogoutApi(APIView):
    """Blacklists the refresh token given (an access token lapses by itself within
    JWT_ACCESS_MINUTES). Needs no access token: the refresh token is the credential."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        operation_id="auth_logout",
        request=LogoutIn,
        responses={
            204: OpenApiResponse(description="logged out: the refresh token is refused from now on"),
            **problems((400, "INVALID_REQUEST"), (401, "UNAUTHENTICATED"), (429, "RATE_LIMITED")),
        },
    )
    def post(self, request):
        data = LogoutIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            refresh_token_spend(token=RefreshToken(data.validated_data["refresh"]))
        except TokenError as error:  # malformed, expired, not a refresh token, or already spent
            raise InvalidToken(error.args[0]) from error
        return Response(status=status.HTTP_204_NO_CONTENT)
