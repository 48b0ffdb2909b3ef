"""JWT bearer authentication without a user SELECT per request.

Why not simplejwt's default: its `JWTAuthentication` loads the user row on every bearer request,
and under a coupon-drop stampede that query weighed on every authenticated request
(`docs/benchmarks.md#tuning-log` row #2). The API needs only the caller's id and whether they are
staff (`ensure_self_or_staff`, `IsStaff`), so access tokens minted here carry a `staff` claim, and a
request with such a token gets a user built from the claims (a deferred `User`: id, is_staff,
is_active; any other field is loaded from the database only if something reads it).

The trade-off, bounded by the access-token lifetime (`JWT_ACCESS_MINUTES`, default 30): a user
deactivated, or a staff flag removed, keeps the powers of the access tokens already minted until
they expire. Refresh re-reads the user (inactive → refused; the new access token carries the
current staff flag). Tokens without the claim (minted elsewhere, e.g. `AccessToken.for_user` in
tests) are checked against the database as before. `JWT_STATELESS_USERS=false` turns the claim
path off.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from drf_spectacular.contrib.rest_framework_simplejwt import (
    SimpleJWTScheme,
    TokenObtainPairSerializerExtension,
    TokenRefreshSerializerExtension,
)
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from core.api.refresh_tokens import refresh_token_rotate

STAFF_CLAIM = "staff"


def access_token_for(user) -> AccessToken:
    """An access token for `user` with the claims the API authenticates from."""
    token = AccessToken.for_user(user)
    token[STAFF_CLAIM] = bool(user.is_staff)
    return token


def user_from_claims(user_id, is_staff: bool):
    """A `User` with id, is_staff and is_active=True set and every other field deferred."""
    model = get_user_model()
    names = [model._meta.pk.attname, "is_staff", "is_active"]
    # simplejwt writes the id claim as a string; the pk must compare equal to ids from request bodies.
    values = {model._meta.pk.attname: model._meta.pk.to_python(user_id), "is_staff": is_staff, "is_active": True}
    ordered = [f.attname for f in model._meta.concrete_fields if f.attname in names]
    return model.from_db("default", ordered, [values[name] for name in ordered])


class ClaimsJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token):
        staff = validated_token.get(STAFF_CLAIM)
        if staff is None or not getattr(settings, "JWT_STATELESS_USERS", True):
            return super().get_user(validated_token)  # the row: exists, active
        user_id = validated_token.get(api_settings.USER_ID_CLAIM)
        if user_id is None:
            return super().get_user(validated_token)  # raises InvalidToken
        return user_from_claims(user_id, bool(staff))


# Named as simplejwt's own so that the OpenAPI components keep their names.
class TokenObtainPairSerializer(jwt_serializers.TokenObtainPairSerializer):
    """`/api/auth/token`: the pair as simplejwt makes it; the access token carries `staff`."""

    def validate(self, attrs):
        data = super().validate(attrs)
        refresh = RefreshToken(data["refresh"])
        access = refresh.access_token
        access[STAFF_CLAIM] = bool(self.user.is_staff)
        data["access"] = str(access)
        return data


class TokenRefreshSerializer(jwt_serializers.TokenRefreshSerializer):
    """`/api/auth/token/refresh`: refuses an unknown or inactive user and puts the user's current
    staff flag in the new access token; the refresh token is spent and replaced
    (core/api/refresh_tokens.py)."""

    def validate(self, attrs):
        refresh = self.token_class(attrs["refresh"])
        user_id = refresh.payload.get(api_settings.USER_ID_CLAIM)
        user = get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: user_id}).first()
        if user is None or not api_settings.USER_AUTHENTICATION_RULE(user):
            raise AuthenticationFailed(self.error_messages["no_active_account"], "no_active_account")
        access = refresh.access_token
        access[STAFF_CLAIM] = bool(user.is_staff)
        return {"access": str(access), "refresh": refresh_token_rotate(token=refresh, user=user)}


# --- OpenAPI: the same bearer scheme and token bodies as simplejwt's own classes ------------------
class ClaimsJWTScheme(SimpleJWTScheme):
    target_class = "core.api.authentication.ClaimsJWTAuthentication"


class ClaimsTokenObtainPairSerializerExtension(TokenObtainPairSerializerExtension):
    target_class = "core.api.authentication.TokenObtainPairSerializer"


class ClaimsTokenRefreshSerializerExtension(TokenRefreshSerializerExtension):
    target_class = "core.api.authentication.TokenRefreshSerializer"
