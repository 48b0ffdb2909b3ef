from celery import shared_task

from core.idempotency import idempotency_keys_purge


@shared_task(name="core.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Beat: drops Idempotency-Key rows past IDEMPOTENCY_KEY_TTL_HOURS. Idempotent."""
    return idempotency_keys_purge()
