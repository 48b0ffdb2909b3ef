from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "products"
    verbose_name = "상품"

    def ready(self):
        from . import metrics

        metrics.register()
