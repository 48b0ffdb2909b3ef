"""Rows that only pile up: expired sessions and expired refresh tokens (their blacklist entries
go with them). Run by Celery beat (core/tasks.py); each call deletes what has expired by now, so
a missed or repeated run changes nothing but the timing."""

from importlib import import_module

from django.conf import settings
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken


def sessions_clear_expired() -> None:
    """What `manage.py clearsessions` does, for whichever SESSION_ENGINE is configured."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


def refresh_tokens_flush_expired(*, now=None) -> int:
    """What simplejwt's `flushexpiredtokens` does: an expired refresh token is refused anyway, so
    neither its outstanding row nor its blacklist row is needed any longer. Returns rows deleted."""
    deleted, _ = OutstandingToken.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
