"""Catalog benchmark: 100,000 products; a cached list page, uncached keyword searches at one
client, and the best sellers, next to `/api/health` in the same run.

.venv/bin/python -m loadtests.bench_catalog [--seconds 10] [--connections 50] [--products 100000]

Uses its own database (`BENCH_DB`, default `shop_bench_catalog`) and Redis db 8, seeded once
with `manage.py seed_products` (COPY) up to `--products`. Targets (issue 4): keyword search p95
≤ 20 ms at 1 client; cached list and top ≥ 80 % of /api/health's requests/s.
"""

import argparse
import os
from datetime import datetime
from urllib.parse import quote

from loadtests import common
from loadtests.common import TABLE_HEADER, Server, bench_environment, django_setup, machine_facts, manage, wrk

common.BENCH_DB = os.environ.get("BENCH_DB", "shop_bench_catalog")
common.BENCH_REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "8"))

# Words a shopper types; each request appends a different number so no two keywords repeat
# within a run (every search misses the cache and runs both the COUNT and the page query).
SEARCH_WORDS = ["키보드", "사과 3kg", "감귤", "이어폰", "삼겹살", "텀블러", "Mouse", "10000MAH", "유기농", "이불"]

KEYWORD_LUA = """
local words = {%s}
local n = 0
request = function()
  n = n + 1
  local word = words[(n %% #words) + 1]
  return wrk.format("GET", "/api/products?size=20&keyword=" .. word .. string.format("%%%%20%%04d", n %% 10000))
end
"""


def seed(env: dict, wanted: int) -> None:
    django_setup(env)
    from products.models import Product

    have = Product.objects.count()
    if have < wanted:
        manage(env, "seed_products", "--count", str(wanted - have))
    from django.db import transaction

    from products import services

    ids = list(Product.objects.order_by("id").values_list("id", flat=True)[:20])
    with transaction.atomic():  # some sales so the top has five rows
        services.sales_record(quantities={pid: i + 1 for i, pid in enumerate(ids)}, sold_at=datetime.now().astimezone())
    from django_redis import get_redis_connection

    get_redis_connection("default").flushdb()  # the bench's own Redis db (BENCH_REDIS_DB) only


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--products", type=int, default=100_000)
    args = parser.parse_args()
    with bench_environment() as env:
        seed(env, args.products)
        with Server(env) as base:
            print(machine_facts())
            print(f"{args.products:,} products, {args.seconds} s per scenario, database {common.BENCH_DB}")
            print(TABLE_HEADER)
            c, s = args.connections, args.seconds
            health = wrk(f"{base}/api/health", connections=c, duration=s)
            print(health.row(f"/api/health (c={c})"))
            listing = wrk(f"{base}/api/products?page=0&size=20", connections=c, duration=s)
            print(listing.row(f"cached list page (c={c})"))
            top = wrk(f"{base}/api/products/top", connections=c, duration=s)
            print(top.row(f"/api/products/top (c={c})"))
            words = ", ".join(f'"{quote(word)}"' for word in SEARCH_WORDS)
            search = wrk(f"{base}/api/products", connections=1, threads=1, duration=s, script=KEYWORD_LUA % words)
            print(search.row("uncached keyword search (c=1)"))
            print()
            print(f"cached list = {listing.rps / health.rps:.0%} of health, top = {top.rps / health.rps:.0%} of health")
            print(f"keyword search p95 = {search.p95_ms:.1f} ms (target ≤ 20 ms)")


if __name__ == "__main__":
    main()
