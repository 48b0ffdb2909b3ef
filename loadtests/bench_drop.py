"""The `drop` scenario of `make bench`: a timed drop's opening stampede (SPEC §9, issue 18).

A 1,000-unit drop with a per-customer limit of 1 opens a few seconds into the run. From the first
second, 10,000 distinct buyers (the seeded shoppers) and 200 greedy buyers (seeded here) each
firing 10 orders at once hammer `POST /api/orders`: an order answered SALE_NOT_STARTED (or 429) is sent
again at once (a shopper pressing the button), every other answer is final. The generator is a closed
model over `connections` keep-alive connections (asyncio, the same minimal HTTP client as
`openloop`), the greedy buyers' 10 orders side by side in the queue so they really are concurrent.

Reported: time from the opening to the last unit sold, time until every buyer had a final answer,
answers/s (all answers, and final ones) as a ratio to `/api/health` in the same run, answers by
status and code, and the invariants (`check_drop`): exactly 1,000 sold, no customer above the
limit, the stock row agrees, 0 unexpected answers. Σ ledger = balances is the whole bench's check.
"""

import asyncio
import os
import re
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from loadtests.openloop import _Closed, _read_response

DROP_STOCK = 1_000
DROP_LIMIT = 1
DROP_PRICE = 1_000
GREEDY = 200
GREEDY_ORDERS = 10
GREEDY_PREFIX = "greedy"
OPENS_IN_SECONDS = 3.0
FINAL = {"201", "409:OUT_OF_STOCK", "409:PURCHASE_LIMIT_EXCEEDED"}
# Sent again at once: the drop has not opened yet, or this buyer's per-user order throttle said wait.
RETRY = {"409:SALE_NOT_STARTED", "429:RATE_LIMITED"}
_CODE = re.compile(rb'"code"\s*:\s*"([A-Z_]+)"')


def seed_drop(out_dir: Path) -> dict:
    """The drop (not scheduled yet: its start is far away until `run_drop` sets it) and the 200
    greedy buyers with balances and tokens. After `loadtests.seed.seed`."""
    from datetime import timedelta

    from django.utils import timezone

    from loadtests.seed import seed_users, write_tokens
    from products.services import product_create

    drop = product_create(
        name="[타임딜] 벤치마크 한정 운동화",
        price=DROP_PRICE,
        list_price=DROP_PRICE * 2,
        stock=DROP_STOCK,
        per_customer_limit=DROP_LIMIT,
        sale_starts_at=timezone.now() + timedelta(days=365),
        description="벤치마크용 타임딜",
    )
    greedy = seed_users(count=GREEDY, prefix=GREEDY_PREFIX)
    tokens = out_dir / "greedy_tokens.txt"
    write_tokens(greedy, tokens)
    return {"dropProductId": drop.pk, "dropStock": DROP_STOCK, "greedyTokensFile": str(tokens)}


def _schedule(drop_id: int, opens_in: float) -> float:
    """Opens the drop `opens_in` seconds from now (one UPDATE, as staff editing the window would);
    returns the opening as a Unix time."""
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from products import cache

    opening = timezone.now() + timedelta(seconds=opens_in)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE products_product SET sale_starts_at = %s WHERE id = %s", [opening, drop_id])
    cache.bump_version()
    return opening.timestamp()


def _requests(drop_id: int, host: str, buyers: list, greedy: list) -> list[tuple[int, bytes]]:
    def order(user_id: int, token: str) -> bytes:
        body = f'{{"userId":{user_id},"products":[{{"productId":{drop_id},"quantity":1}}]}}'.encode()
        head = (
            f"POST /api/orders HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    out = [(user_id, order(user_id, token)) for user_id, token in buyers]
    # Spread the greedy buyers through the queue, each one's 10 orders side by side.
    step = max(1, len(out) // max(1, len(greedy)))
    for n, (user_id, token) in enumerate(greedy):
        at = min(len(out), n * (step + GREEDY_ORDERS))
        out[at:at] = [(user_id, order(user_id, token))] * GREEDY_ORDERS
    return out


@dataclass
class DropResult:
    opening: float
    started: float
    sold_out_at: float | None = None
    all_answered_at: float | None = None
    answers: int = 0
    final: int = 0
    statuses: dict = field(default_factory=dict)
    errors: dict = field(default_factory=lambda: {"connect": 0, "io": 0})
    client_cpu: float = 0.0

    @property
    def seconds(self) -> float:
        return (self.all_answered_at or time.time()) - self.started


async def _drive(host: str, port: int, requests: list[tuple[int, bytes]], connections: int, result: DropResult):
    queue: asyncio.Queue = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)
    pending = [len(requests)]
    done = asyncio.Event()
    winners = [0]

    async def connection() -> None:
        reader = writer = None
        while not done.is_set():
            try:
                item = queue.get_nowait()
            except asyncio.QueueEmpty:
                await asyncio.sleep(0.005)  # a retried order may come back
                continue
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                writer.write(item[1])
                status, close, body = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, _Closed, ValueError):
                result.errors["io"] += 1
                writer = None
                queue.put_nowait(item)
                continue
            key = str(status)
            if status >= 400:
                match = _CODE.search(body)
                key += ":" + match.group(1).decode() if match else ""
            result.answers += 1
            result.statuses[key] = result.statuses.get(key, 0) + 1
            if key in RETRY:
                queue.put_nowait(item)
            else:
                result.final += 1
                if key == "201":
                    winners[0] += 1
                    if winners[0] == DROP_STOCK:
                        result.sold_out_at = time.time()
                pending[0] -= 1
                if pending[0] == 0:
                    result.all_answered_at = time.time()
                    done.set()
            if close:
                writer.close()
                writer = None

    workers = [asyncio.create_task(connection()) for _ in range(connections)]
    await done.wait()
    for worker in workers:
        worker.cancel()
    await asyncio.gather(*workers, return_exceptions=True)


def run_drop(base: str, context: dict, *, connections: int, opens_in: float = OPENS_IN_SECONDS) -> DropResult:
    """The stampede against the running server at `base`; bounded by the number of buyers."""
    from loadtests.scenarios import read_tokens

    parts = urlsplit(base)
    buyers = read_tokens(context["tokensFile"])
    greedy = read_tokens(context["greedyTokensFile"])
    requests = _requests(context["dropProductId"], parts.netloc, buyers, greedy)
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    opening = _schedule(context["dropProductId"], opens_in)
    result = DropResult(opening=opening, started=time.time())
    asyncio.run(_drive(parts.hostname, parts.port, requests, connections, result))
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    used = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    result.client_cpu = used / max(result.seconds, 1e-9) / (os.cpu_count() or 1)
    return result


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def check_drop(context: dict, result: DropResult) -> list[Check]:
    from django.db import connection

    drop_id = context["dropProductId"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(l.quantity), 0), COUNT(DISTINCT o.user_id), COALESCE(MAX(per.units), 0) "
            "FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id "
            "JOIN (SELECT o2.user_id, SUM(l2.quantity) AS units FROM orders_orderline l2 "
            "      JOIN orders_order o2 ON o2.id = l2.order_id WHERE l2.product_id = %s AND o2.status = 'PAID' "
            "      GROUP BY o2.user_id) per ON per.user_id = o.user_id "
            "WHERE l.product_id = %s AND o.status = 'PAID'",
            [drop_id, drop_id],
        )
        sold, customers, most = cursor.fetchone()
        cursor.execute("SELECT stock FROM products_product WHERE id = %s", [drop_id])
        (stock,) = cursor.fetchone()
    unexpected = sum(n for key, n in result.statuses.items() if key not in FINAL and key not in RETRY)
    return [
        Check(
            "drop: exactly the allotment sold",
            sold == context["dropStock"] and stock == 0,
            f"{sold:,} units in PAID orders, stock left {stock}, allotment {context['dropStock']:,}",
        ),
        Check(
            "drop: no customer above the limit",
            most <= DROP_LIMIT and customers == sold,
            f"{customers:,} customers, at most {most} unit(s) each (limit {DROP_LIMIT})",
        ),
        Check(
            "drop: 0 unexpected answers",
            unexpected == 0 and not result.errors["io"],
            f"{unexpected} unexpected, {result.errors['io']} I/O errors",
        ),
    ]


def report(result: DropResult, health_rps: float, context: dict, connections: int) -> str:
    buyers = len(open(context["tokensFile"]).read().split("\n")) - 1  # noqa: SIM115
    seconds = result.seconds
    rate, final_rate = result.answers / seconds, result.final / seconds
    sold_out = f"{result.sold_out_at - result.opening:.2f} s" if result.sold_out_at else "not sold out"
    answered = f"{result.all_answered_at - result.opening:.2f} s" if result.all_answered_at else "–"
    statuses = ", ".join(f"{key}: {n:,}" for key, n in sorted(result.statuses.items()))
    return (
        f"- **drop** (a {context['dropStock']:,}-unit drop, limit {DROP_LIMIT}, opening {OPENS_IN_SECONDS:.0f} s "
        f"into the run; {buyers:,} distinct buyers + {GREEDY} greedy buyers × {GREEDY_ORDERS} orders at once, "
        f"{connections} connections, SALE_NOT_STARTED answers sent again at once): opening → sold out "
        f"{sold_out}; opening → every buyer answered {answered} ({seconds:.2f} s from the first request); "
        f"{rate:,.0f} answers/s = {rate / health_rps:.2f}× health ({final_rate:,.0f} final answers/s = "
        f"{final_rate / health_rps:.2f}×); generator CPU {result.client_cpu:.0%}; answers: {statuses}"
    )
