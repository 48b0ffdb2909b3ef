"""Bulk loading for benchmarks and the search-plan test: COPY through psycopg 3."""

from django.db import connection
from django.utils import timezone

from products.demo import ADJECTIVES, BRANDS, ITEMS
from products.models import Product


def seed_products(*, count: int) -> int:
    """Appends `count` active products with varied Korean names in one COPY, then ANALYZEs the
    table so the planner sees the new size. Runs in the caller's transaction if there is one."""
    now = timezone.now()
    columns = "name, description, price, stock, active, created_at, updated_at"
    table = Product._meta.db_table
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for n in range(count):
                item, base_price = ITEMS[n % len(ITEMS)]
                brand = BRANDS[(n // len(ITEMS)) % len(BRANDS)]
                adjective = ADJECTIVES[(n // 7) % len(ADJECTIVES)]
                copy.write_row(
                    (
                        f"{brand} {adjective} {item} {n:06d}",
                        "",
                        base_price + (n % 50) * 100,
                        100 + n % 900,
                        True,
                        now,
                        now,
                    )
                )
        cursor.execute(f"ANALYZE {table}")
    return count
