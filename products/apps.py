from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "products"
    verbose_name = "상품"
