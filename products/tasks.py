from celery import shared_task

from products import best_sellers


@shared_task(ignore_result=True)
def best_sellers_refresh() -> None:
    """Beat, about every 10 s: keeps the cached best-seller list fresh (SPEC §3: new orders show
    within 10 s) so requests rarely miss."""
    best_sellers.best_sellers_refresh()
