from django.apps import AppConfig


class WaitingRoomConfig(AppConfig):
    name = "waiting_room"
    verbose_name = "대기열"

    def ready(self) -> None:
        from waiting_room import gauges

        gauges.register()
