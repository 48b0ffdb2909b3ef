from celery import shared_task

from waiting_room.services import queue_admit_all


@shared_task(name="waiting_room.admit")
def admit() -> int:
    """Beat runs it every second: one admission step per live waiting room."""
    return len(queue_admit_all())
