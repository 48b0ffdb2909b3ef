import time

from django.core.management.base import BaseCommand

from products import cache
from products.seed import seed_products


class Command(BaseCommand):
    help = "Bulk-loads N generated products (COPY) for benchmarks: seed_products --count 100000"

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=100_000)

    def handle(self, *args, count: int, **options):
        started = time.monotonic()
        seed_products(count=count)
        cache.bump_version()
        self.stdout.write(f"seeded {count} products in {time.monotonic() - started:.1f} s")
