from django.apps import AppConfig


class DataplatformConfig(AppConfig):
    name = "dataplatform"
    verbose_name = "데이터 플랫폼 전송"

    def ready(self):
        from . import metrics

        metrics.register()
