"""Demo orders for a local run (after `load_demo`, which makes the products). Idempotent."""

from django.core.management.base import BaseCommand

from orders.demo import load_demo_orders


class Command(BaseCommand):
    help = "Places a few days of demo orders through the order service (idempotent)."

    def handle(self, *args, **options):
        self.stdout.write(f"demo orders: {load_demo_orders()} placed")
