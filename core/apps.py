from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "공통"

    def ready(self):
        from core import task_context

        task_context.connect()  # the request id travels with the Celery tasks a request sends
