from celery import shared_task

from core.housekeeping import refresh_tokens_flush_expired, sessions_clear_expired
from core.idempotency import idempotency_keys_purge


@shared_task(name="core.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Beat: drops Idempotency-Key rows past IDEMPOTENCY_KEY_TTL_HOURS. Idempotent."""
    return idempotency_keys_purge()


@shared_task(name="core.clear_sessions")
def clear_sessions() -> None:
    """Beat, daily: `clearsessions`."""
    sessions_clear_expired()


@shared_task(name="core.flush_expired_refresh_tokens")
def flush_expired_refresh_tokens() -> int:
    """Beat, daily: drops expired refresh tokens and their blacklist entries."""
    return refresh_tokens_flush_expired()
