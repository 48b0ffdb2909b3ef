"""Refresh tokens are spent once: each refresh hands out a new one and blacklists the old, and
logout blacklists the one it is given (simplejwt's token_blacklist app). A stolen refresh token
then works at most until its owner's next refresh, and a logged-out one not at all.

Spending goes through the blacklist's unique row per token (`BlacklistedToken.token` is one to
one): of two requests racing with the same refresh token, exactly one inserts it and wins, the
other finds it there and is refused, so one token never turns into two live ones."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch


def refresh_token_spend(*, token: RefreshToken, user=None) -> None:
    """Blacklists `token` (already verified); raises TokenError when it was already spent,
    by an earlier request or a concurrent one."""
    with transaction.atomic():
        outstanding, _created = OutstandingToken.objects.get_or_create(
            jti=token[api_settings.JTI_CLAIM],
            defaults={
                "user": user,
                "created_at": token.current_time,
                "token": str(token),
                "expires_at": datetime_from_epoch(token["exp"]),
            },
        )
        _entry, created = BlacklistedToken.objects.get_or_create(token=outstanding)
    if not created:
        raise TokenError(_("Token is blacklisted"))


def refresh_token_rotate(*, token: RefreshToken, user) -> str:
    """Spends `token` and returns its successor (same claims, a new id and lifetime)."""
    refresh_token_spend(token=token, user=user)
    token.set_jti()
    token.set_exp()
    token.set_iat()
    token.outstand()
    return str(token)
