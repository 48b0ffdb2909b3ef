"""The `queue` and `queueoff` scenarios of `make bench`: one crowd at a drop, with and without its
waiting room (SPEC §10, issue 19).

`queue`: a 1,000-unit drop (limit 1) with its waiting room on and `admitPerSecond` 100 (so the
units are offered in about 10 s, well under what the site sells a second, which leaves the rest of
the two cores to the crowd's joins and polls). 20,000 distinct shoppers arrive within 5 s (open
model: shopper i is due at t0 + i × 5 s / 20,000, 4,000 joins/s offered) and each
1. joins (`POST /api/products/{id}/queue`), timed from the moment they were due;
2. polls their ticket (`GET .../queue/{ticket}`) as the storefront's static/js/queue.js does: the
   next poll after a quarter of the answer's estimated wait (2 to 15 s); without an estimate 2 s
   after an answer that moved their place, ×1.5 (at most 15 s) after one that did not; ×2 after a
   failed one; each delay with ±30% jitter (`--queue-poll 3` polls every 3 s
   instead);
3. once their ticket reads ADMITTED, orders at once (`POST /api/orders` with `Queue-Ticket`), timed
   from the answer that told them; a SOLD_OUT answer ends their visit.
Admission is the site's own: a real Celery beat and worker run `waiting_room.admit` every second
(`loadtests.queue_celery`: the site's app with only that beat entry, on a queue of its own, so the
delivery tasks the earlier scenarios' orders left in the broker cannot delay a tick).

`queueoff`: the same crowd (the same shoppers on the same schedule) at a second drop of the same
kind without a room: each shopper orders once when due, timed from then.

Requests go over `--queue-connections` keep-alive connections (asyncio, openloop's minimal HTTP
client) taken in arrival order, so a request waiting for one is still timed from when it was due.
Traffic goes to 127.0.0.1 only, and each scenario stops by itself at `--queue-seconds`.

Checked (`check_queue`): exactly 1,000 sold per drop, nobody above the limit, every order of the
room drop spent its own ticket, 0 unexpected answers, and admissions in line order, from the
tickets: (a) a shopper whose join was answered before another's was sent is admitted no later
(or the other not at all); (b) every admitted ticket's last place read (`position` p) is where the
admission found it: the tickets admitted after that read, up to and including its own tick, number
at least p and fewer than p + the size of its tick (ticks are told apart by their `admittedAt`;
a tick within the read's own round trip may have run on either side of it, so both are allowed);
(c) nobody's place ever rose.
"""

import asyncio
import bisect
import json
import os
import random
import resource
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from loadtests.bench_drop import Check
from loadtests.openloop import _Closed, _percentile, _read_response

SHOPPERS = 20_000
STOCK = 1_000
LIMIT = 1
PRICE = 1_000
ADMIT_PER_SECOND = 100
ARRIVAL_SECONDS = 5.0
CONNECTIONS = 256
SECONDS = 300  # each scenario stops by itself after this
EXTRA_PREFIX = "queuer"  # shoppers seeded here beyond the bench's own users
# queue.js: the first delay, the growth while nothing changes, the longest, the jitter
POLL_FIRST, POLL_GROWTH, POLL_MAX, POLL_JITTER = 2.0, 1.5, 15.0, 0.3
# How long a tick's clock reading may precede its script (one Redis round trip in between, on a
# busy machine): a tick read in that window before a place read may have run on either side of it.
TICK_SLACK = 1.0
_IO_ERRORS = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, _Closed, ValueError)


def seed_queue(out_dir: Path, context: dict, *, shoppers: int, stock: int, admit_per_second: int) -> dict:
    """The two drops (not open yet: `_open` opens each when its scenario starts) and `shoppers`
    distinct shoppers with tokens: the bench's own users first, then as many more as needed
    (seeded here with the same balance, prefix `queuer`). After `loadtests.seed.seed`."""
    from datetime import timedelta

    from django.utils import timezone

    from loadtests.scenarios import read_tokens
    from loadtests.seed import seed_users, write_tokens
    from products.services import product_create

    later = timezone.now() + timedelta(days=365)
    common = {"price": PRICE, "list_price": PRICE * 2, "stock": stock, "per_customer_limit": LIMIT}
    room = product_create(
        name="[타임딜] 벤치마크 대기열 한정 운동화",
        sale_starts_at=later,
        waiting_room=True,
        admit_per_second=admit_per_second,
        description="벤치마크용 대기열 타임딜",
        **common,
    )
    off = product_create(
        name="[타임딜] 벤치마크 대기열 없는 한정 운동화", sale_starts_at=later, description="벤치마크용", **common
    )
    users = read_tokens(context["tokensFile"])[:shoppers]
    extra = shoppers - len(users)
    tokens = out_dir / "queue_tokens.txt"
    with tokens.open("w", encoding="ascii") as fh:
        fh.writelines(f"{user_id} {token}\n" for user_id, token in users)
    if extra > 0:
        more = out_dir / "queue_extra_tokens.txt"
        write_tokens(seed_users(count=extra, prefix=EXTRA_PREFIX), more)
        with tokens.open("a", encoding="ascii") as fh:
            fh.write(more.read_text(encoding="ascii"))
    return {
        "queueProductId": room.pk,
        "queueOffProductId": off.pk,
        "queueStock": stock,
        "queueShoppers": shoppers,
        "queueExtraUsers": max(0, extra),
        "queueAdmitPerSecond": admit_per_second,
        "queueTokensFile": str(tokens),
    }


def _open(product_id: int) -> float:
    """Opens the drop now (one UPDATE, as staff editing the window would); the opening as Unix time."""
    from django.db import connection
    from django.utils import timezone

    from products import cache

    opening = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE products_product SET sale_starts_at = %s WHERE id = %s", [opening, product_id])
    cache.bump_version()
    return opening.timestamp()


def _line_state(product_id: int) -> dict:
    from django_redis import get_redis_connection

    from waiting_room.line import prefix

    raw = get_redis_connection("default").hgetall(prefix(product_id) + "state")
    return {k.decode(): v.decode() for k, v in raw.items()}


class Pool:
    """Requests in arrival order over at most `size` keep-alive connections. An answer is
    (status, body, when it arrived); status 0 is an I/O error. A request that fails on a reused
    connection before any answer (the server closed it while idle) is sent once more on a new one
    when `retry` (reads and joins: a second join answers the same ticket; never an order)."""

    def __init__(self, host: str, port: int, size: int):
        self.host, self.port, self.size = host, port, size
        self.queue: asyncio.Queue = asyncio.Queue()
        self.io_errors = 0
        self.resent = 0
        self.error_kinds: Counter = Counter()  # "ConnectionResetError on a reused connection": n
        self.workers: list[asyncio.Task] = []

    def start(self) -> None:
        self.workers = [asyncio.create_task(self._connection()) for _ in range(self.size)]

    async def stop(self) -> None:
        for worker in self.workers:
            worker.cancel()
        await asyncio.gather(*self.workers, return_exceptions=True)

    async def request(self, raw: bytes, *, retry: bool) -> tuple[int, bytes, float]:
        future = asyncio.get_running_loop().create_future()
        self.queue.put_nowait((raw, retry, future))
        return await future

    async def _connection(self) -> None:
        reader = writer = None
        while True:
            raw, retry, future = await self.queue.get()
            answer = (0, b"", 0.0)
            for attempt in (1, 2):
                reused = writer is not None
                try:
                    if writer is None:
                        reader, writer = await asyncio.open_connection(self.host, self.port)
                    writer.write(raw)
                    status, close, body = await _read_response(reader)
                except _IO_ERRORS as exc:
                    self.error_kinds[f"{type(exc).__name__} on a {'reused' if reused else 'new'} connection"] += 1
                    if writer is not None:
                        writer.close()
                    writer = None
                    if reused and retry and attempt == 1:
                        self.resent += 1
                        continue
                    self.io_errors += 1
                    answer = (0, b"", time.time())
                    break
                answer = (status, body, time.time())
                if close:
                    writer.close()
                    writer = None
                break
            if not future.done():
                future.set_result(answer)


def _key(status: int, body: bytes) -> str:
    if status == 0:
        return "io-error"
    key = str(status)
    if status >= 400:
        try:
            code = json.loads(body).get("code")
        except ValueError:
            code = None
        if code:
            key += f":{code}"
    return key


def _request(method: str, path: str, host: str, token: str, body: bytes = b"", ticket: str = "") -> bytes:
    head = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Authorization: Bearer {token}"]
    if ticket:
        head.append(f"Queue-Ticket: {ticket}")
    if method != "GET":
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def _order_body(user_id: int, product_id: int) -> bytes:
    return f'{{"userId":{user_id},"products":[{{"productId":{product_id},"quantity":1}}]}}'.encode()


def _ms(seconds: list[float], q: float) -> float:
    return round(_percentile(sorted(seconds), q) * 1000, 1)


@dataclass
class Ticket:
    join_sent: float
    join_done: float
    reads: list = field(default_factory=list)  # (sent, answered, position) of each WAITING answer
    admitted_at: float | None = None  # the ticket's admittedAt
    final: str = "WAITING"


@dataclass
class CrowdResult:
    """What the crowd saw; times are Unix seconds from the machine's clock (the server's too)."""

    room: bool
    shoppers: int
    stock: int
    opening: float
    t0: float = 0.0
    admission_live_at: float = 0.0
    first: dict = field(default_factory=Counter)  # the first request's answers (join, or the order)
    polls: dict = field(default_factory=Counter)
    orders: dict = field(default_factory=Counter)
    first_latency: list = field(default_factory=list)
    poll_latency: list = field(default_factory=list)
    order_latency: list = field(default_factory=list)  # the room: admitted shoppers' orders
    lost_latency: list = field(default_factory=list)  # without the room: the losing orders
    send_lag: list = field(default_factory=list)
    admitted_to_told: list = field(default_factory=list)
    told_sold_out: list = field(default_factory=list)  # when each shopper learned SOLD_OUT
    tickets: list = field(default_factory=list)
    sold: int = 0
    sold_out_at: float | None = None
    last_first_answer: float = 0.0
    finished_at: float | None = None
    unfinished: int = 0
    io_errors: int = 0
    resent: int = 0
    error_kinds: dict = field(default_factory=dict)
    client_cpu: float = 0.0
    machine_busy: float = 0.0
    line_state: dict = field(default_factory=dict)

    @property
    def offered(self) -> float:
        return self.shoppers / ARRIVAL_SECONDS


def _busy() -> tuple[float, float]:
    fields = [float(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]


def _next_delay(data: dict, delay: float, *, changed: bool) -> float:
    """queue.js's next delay: a quarter of the estimated wait (2 to 15 s), else the backoff."""
    if data.get("estimatedWaitSeconds") is not None:
        return min(POLL_MAX, max(POLL_FIRST, data["estimatedWaitSeconds"] / 4))
    return POLL_FIRST if changed else min(delay * POLL_GROWTH, POLL_MAX)


def _poll_delay(delay: float, fixed: float | None, rnd: random.Random) -> float:
    return fixed if fixed else delay * (1 - POLL_JITTER + rnd.random() * 2 * POLL_JITTER)


def _moment(iso: str | None) -> float | None:
    return datetime.fromisoformat(iso).timestamp() if iso else None


async def _crowd(
    base: str,
    product_id: int,
    users: list,
    result: CrowdResult,
    *,
    connections: int,
    poll: float | None,
    seconds: float,
) -> None:
    parts = urlsplit(base)
    host = parts.netloc
    pool = Pool(parts.hostname, parts.port, connections)
    pool.start()
    rnd = random.Random(19)
    deadline = result.t0 + seconds
    spacing = ARRIVAL_SECONDS / max(1, len(users))

    def sold(done: float) -> None:
        result.sold += 1
        if result.sold == result.stock:
            result.sold_out_at = done

    async def until(moment: float) -> None:
        delay = moment - time.time()
        if delay > 0:
            await asyncio.sleep(delay)

    async def without_room(i: int, user_id: int, token: str) -> None:
        due = result.t0 + i * spacing
        await until(due)
        result.send_lag.append(time.time() - due)
        raw = _request("POST", "/api/orders", host, token, _order_body(user_id, product_id))
        status, body, done = await pool.request(raw, retry=False)
        key = _key(status, body)
        result.first[key] += 1
        result.first_latency.append(done - due)
        result.last_first_answer = max(result.last_first_answer, done)
        if key == "201":
            result.order_latency.append(done - due)
            sold(done)
        else:
            result.lost_latency.append(done - due)
            if key == "409:OUT_OF_STOCK":
                result.told_sold_out.append(done)

    async def with_room(i: int, user_id: int, token: str) -> None:
        due = result.t0 + i * spacing
        await until(due)
        sent = time.time()
        result.send_lag.append(sent - due)
        status, body, done = await pool.request(
            _request("POST", f"/api/products/{product_id}/queue", host, token), retry=True
        )
        key = _key(status, body)
        result.first[key] += 1
        result.first_latency.append(done - due)
        result.last_first_answer = max(result.last_first_answer, done)
        if key == "409:OUT_OF_STOCK":  # the line had closed already
            result.told_sold_out.append(done)
            return
        if status not in (200, 201):
            return
        data = json.loads(body)
        ticket = Ticket(join_sent=sent, join_done=done)
        result.tickets.append(ticket)
        state, shown = data["status"], data["position"]
        if state == "WAITING":
            ticket.reads.append((sent, done, shown))
        path = f"/api/products/{product_id}/queue/{data['ticket']}"
        delay = _next_delay(data, POLL_FIRST, changed=True)
        while state == "WAITING":
            wait = _poll_delay(delay, poll, rnd)
            due = time.time() + wait
            if due > deadline:
                result.unfinished += 1
                return
            await until(due)
            sent = time.time()
            status, body, done = await pool.request(_request("GET", path, host, token), retry=True)
            key = _key(status, body)
            result.polls[key] += 1
            result.poll_latency.append(done - due)
            if status != 200:  # queue.js: a failed poll waits longer (×2 on a network error)
                delay = min(delay * (2 if status == 0 else POLL_GROWTH), POLL_MAX)
                continue
            data = json.loads(body)
            state = data["status"]
            if state == "WAITING":
                ticket.reads.append((sent, done, data["position"]))
                delay = _next_delay(data, delay, changed=data["position"] != shown)
                shown = data["position"]
        ticket.final = state
        ticket.admitted_at = _moment(data.get("admittedAt"))
        if state == "SOLD_OUT":
            result.told_sold_out.append(done)
        if state != "ADMITTED":
            return
        result.admitted_to_told.append(done - ticket.admitted_at)
        told = done
        raw = _request("POST", "/api/orders", host, token, _order_body(user_id, product_id), ticket=data["ticket"])
        status, body, done = await pool.request(raw, retry=False)
        key = _key(status, body)
        result.orders[key] += 1
        result.order_latency.append(done - told)
        if key == "201":
            ticket.final = "USED"
            sold(done)

    shopper = with_room if result.room else without_room
    tasks = [asyncio.create_task(shopper(i, user_id, token)) for i, (user_id, token) in enumerate(users)]
    _, pending = await asyncio.wait(tasks, timeout=max(0.0, deadline - time.time()))
    for task in pending:
        task.cancel()
    result.unfinished += len(pending)
    await asyncio.gather(*tasks, return_exceptions=True)
    result.finished_at = time.time()
    await pool.stop()
    result.io_errors, result.resent, result.error_kinds = pool.io_errors, pool.resent, dict(pool.error_kinds)


def _run_crowd(base: str, context: dict, *, room: bool, connections: int, poll: float | None, seconds: float):
    from loadtests.scenarios import read_tokens

    product_id = context["queueProductId"] if room else context["queueOffProductId"]
    users = read_tokens(context["queueTokensFile"])[: context["queueShoppers"]]
    result = CrowdResult(room=room, shoppers=len(users), stock=context["queueStock"], opening=_open(product_id))
    if room:
        # The crowd comes once admission runs: the first tick after the opening draws the (empty)
        # early joins and marks the line shuffled, so every join below is first come, first served.
        limit = time.time() + 90
        while _line_state(product_id).get("shuffled") != "1":
            if time.time() > limit:
                raise RuntimeError("the admission task did not run within 90 s of the opening")
            time.sleep(0.05)
        result.admission_live_at = time.time()
    result.t0 = time.time() + 0.2
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    busy_before = _busy()
    asyncio.run(_crowd(base, product_id, users, result, connections=connections, poll=poll, seconds=seconds))
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    busy_after = _busy()
    wall = max(1e-9, (result.finished_at or time.time()) - result.t0)
    used = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    result.client_cpu = used / wall / (os.cpu_count() or 1)
    total, idle = busy_after[0] - busy_before[0], busy_after[1] - busy_before[1]
    result.machine_busy = 1 - idle / total if total else 0.0
    if room:
        result.line_state = _line_state(product_id)
    return result


def run_queue(base: str, env: dict, context: dict, *, connections: int, poll: float | None, seconds: float):
    """The crowd at the room drop, with beat and a worker admitting (loadtests.queue_celery)."""
    from loadtests.queue_celery import admission

    with admission(env):
        return _run_crowd(base, context, room=True, connections=connections, poll=poll, seconds=seconds)


def run_queueoff(base: str, context: dict, *, connections: int, seconds: float):
    """The same crowd at the drop without a room: one order each when due."""
    return _run_crowd(base, context, room=False, connections=connections, poll=None, seconds=seconds)


# --- checks ------------------------------------------------------------------------------------


def line_order(tickets: list[Ticket]) -> dict:
    """Admissions against the line's order (see the module docstring, (a)-(c))."""
    never = float("inf")
    joined = sorted(tickets, key=lambda t: t.join_done)
    answered = [t.join_done for t in joined]
    highest, running = [], -never
    for t in joined:
        running = max(running, t.admitted_at or never)
        highest.append(running)
    pairs_out = 0
    for t in tickets:
        before = bisect.bisect_left(answered, t.join_sent)  # joins answered before this one was sent
        if before and highest[before - 1] > (t.admitted_at or never):
            pairs_out += 1

    ticks = sorted(Counter(t.admitted_at for t in tickets if t.admitted_at is not None).items())
    moments = [a for a, _ in ticks]
    cumulative = [0]
    for _, n in ticks:
        cumulative.append(cumulative[-1] + n)
    place_out = ambiguous = checked = 0
    for t in tickets:
        if t.admitted_at is None or not t.reads:
            continue
        sent, answered_at, place = t.reads[-1]
        own = moments.index(t.admitted_at)
        size = ticks[own][1]
        after = bisect.bisect_right(moments, answered_at)  # ticks whose clock read follows the answer
        maybe = bisect.bisect_left(moments, sent - TICK_SLACK)  # from here on: either side of the read
        after, maybe = min(after, own), min(maybe, own)
        # ahead = the tickets admitted after the read and before this one's tick; the ticks in the
        # window may have run after the read, the latest of them first (ticks run one at a time)
        options = [cumulative[own] - cumulative[start] for start in range(maybe, after + 1)]
        checked += 1
        ambiguous += len(options) > 1
        if not any(ahead < place <= ahead + size for ahead in options):
            place_out += 1
    rose = sum(any(b[2] > a[2] for a, b in zip(t.reads, t.reads[1:], strict=False)) for t in tickets)
    return {
        "admitted": sum(1 for t in tickets if t.admitted_at is not None),
        "ticks": len(ticks),
        "pairs_out_of_order": pairs_out,
        "places_checked": checked,
        "places_ambiguous": ambiguous,
        "places_out_of_order": place_out,
        "places_rose": rose,
    }


def _sold(product_id: int) -> tuple[int, int, int, int]:
    """Units in PAID orders, distinct customers, the most units one customer holds, stock left."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(units), 0), COUNT(*), COALESCE(MAX(units), 0) FROM ("
            " SELECT o.user_id, SUM(l.quantity) AS units FROM orders_orderline l"
            " JOIN orders_order o ON o.id = l.order_id WHERE l.product_id = %s AND o.status = 'PAID'"
            " GROUP BY o.user_id) per",
            [product_id],
        )
        sold, customers, most = cursor.fetchone()
        cursor.execute("SELECT stock FROM products_product WHERE id = %s", [product_id])
        (stock,) = cursor.fetchone()
    return sold, customers, most, stock


def unexpected(result: CrowdResult) -> int:
    first_ok = {"200", "201", "409:OUT_OF_STOCK"} if result.room else {"201", "409:OUT_OF_STOCK"}
    bad = sum(n for key, n in result.first.items() if key not in first_ok)
    bad += sum(n for key, n in result.polls.items() if key != "200")
    bad += sum(n for key, n in result.orders.items() if key != "201")  # an admitted shopper's order must buy
    bad += sum(1 for t in result.tickets if t.final == "EXPIRED")  # admitted, told, and still lapsed
    return bad + result.unfinished  # shoppers still waiting (or not yet answered) at the time limit


def check_queue(context: dict, result: CrowdResult) -> list[Check]:
    from waiting_room.models import QueueTicketUse

    name = "queue" if result.room else "queueoff"
    product_id = context["queueProductId"] if result.room else context["queueOffProductId"]
    sold, customers, most, stock = _sold(product_id)
    checks = [
        Check(
            f"{name}: exactly the allotment sold",
            sold == result.stock and stock == 0,
            f"{sold:,} units in PAID orders, stock left {stock}, allotment {result.stock:,}",
        ),
        Check(
            f"{name}: no customer above the limit",
            most <= LIMIT and customers == sold,
            f"{customers:,} customers, at most {most} unit(s) each (limit {LIMIT})",
        ),
        Check(
            f"{name}: 0 unexpected answers",
            unexpected(result) == 0 and not result.io_errors,
            f"{unexpected(result)} unexpected (answers, unfinished shoppers, tickets left unused), "
            f"{result.io_errors} I/O errors, {result.resent} resent on a fresh connection"
            + (f" ({json.dumps(result.error_kinds)})" if result.error_kinds else ""),
        ),
    ]
    if result.room:
        spent = QueueTicketUse.objects.filter(product_id=product_id).count()
        checks.append(
            Check("queue: every order spent its own ticket", spent == sold, f"{spent:,} tickets spent, {sold:,} sold")
        )
        order = line_order(result.tickets)
        checks.append(
            Check(
                "queue: admissions in line order",
                order["admitted"] > 0
                and not (order["pairs_out_of_order"] or order["places_out_of_order"] or order["places_rose"]),
                f"{order['admitted']:,} admitted in {order['ticks']} ticks; joins answered before another was "
                f"sent admitted later: {order['pairs_out_of_order']}; last place read vs the admissions after it: "
                f"{order['places_out_of_order']} out of {order['places_checked']:,} "
                f"({order['places_ambiguous']:,} with a tick during the read); a place that rose: "
                f"{order['places_rose']}",
            )
        )
    return checks


# --- report ------------------------------------------------------------------------------------


def _since(moment: float | None, start: float) -> str:
    return f"{moment - start:.2f} s" if moment else "–"


def _statuses(counts: dict) -> str:
    return ", ".join(f"{key}: {n:,}" for key, n in sorted(counts.items())) or "–"


def _column(r: CrowdResult, health_rps: float) -> dict[str, str]:
    first_seconds = max(1e-9, r.last_first_answer - r.t0)
    rate = sum(r.first.values()) / first_seconds
    told = sorted(r.told_sold_out)
    sold_out = r.sold_out_at
    late = [max(0.0, t - sold_out) for t in told] if sold_out else []
    polls = sum(r.polls.values())
    run_seconds = max(1e-9, (r.finished_at or r.t0) - r.t0)
    return {
        "first request": "join the line" if r.room else "order",
        "offered (open model)": f"{r.shoppers:,} shoppers in {ARRIVAL_SECONDS:.0f} s = {r.offered:,.0f}/s",
        "first answers/s (× health)": f"{rate:,.0f} ({rate / health_rps:.2f}×)" if health_rps else f"{rate:,.0f}",
        "first answer p50 / p99 ms (from when due)": f"{_ms(r.first_latency, 50):,} / {_ms(r.first_latency, 99):,}",
        "sender lag p99 ms": f"{_ms(r.send_lag, 99):,}",
        "polls (answers/s over the run), p50 / p99 ms": (
            f"{polls:,} ({polls / run_seconds:,.0f}/s), {_ms(r.poll_latency, 50):,} / {_ms(r.poll_latency, 99):,}"
            if r.room
            else "–"
        ),
        "admitted → shopper told, p50 / p99 ms": (
            f"{_ms(r.admitted_to_told, 50):,} / {_ms(r.admitted_to_told, 99):,}" if r.room else "–"
        ),
        "buyers' orders p50 / p99 ms": f"{_ms(r.order_latency, 50):,} / {_ms(r.order_latency, 99):,}"
        + (" (from being told)" if r.room else " (from when due)"),
        "losers' answers p50 / p99 ms": "–" if r.room else f"{_ms(r.lost_latency, 50):,} / {_ms(r.lost_latency, 99):,}",
        "first arrival → sold out": _since(sold_out, r.t0),
        "sold out → last shopper told SOLD_OUT (p50 / max)": (
            f"{_percentile(late, 50):.2f} s / {late[-1]:.2f} s ({len(late):,} told)" if late else "–"
        ),
        "first arrival → everyone done": _since(r.finished_at, r.t0),
        "sold": f"{r.sold:,} of {r.stock:,}",
        "unexpected": f"{unexpected(r)} (+{r.io_errors} I/O errors)",
        "generator CPU / machine busy": f"{r.client_cpu:.0%} / {r.machine_busy:.0%}",
    }


def report(room: CrowdResult | None, off: CrowdResult | None, health_rps: float, context: dict, args) -> str:
    """One table, the room and without it side by side, then the answers of each."""
    pairs = (("queue (room on)", room), ("queueoff (room off)", off))
    columns = [(name, _column(r, health_rps)) for name, r in pairs if r is not None]
    rows = list(columns[0][1])
    head = "| | " + " | ".join(name for name, _ in columns) + " |"
    lines = [head, "|---" * (len(columns) + 1) + "|"]
    lines += ["| " + row + " | " + " | ".join(col[row] for _, col in columns) + " |" for row in rows]
    poll = (
        f"every {args.queue_poll} s" if args.queue_poll != "js" else "as static/js/queue.js (2 s, ×1.5 to 15 s, ±30%)"
    )
    setup = (
        f"- **queue / queueoff** (issue 19): a {context['queueStock']:,}-unit drop, limit {LIMIT}; the same "
        f"{context['queueShoppers']:,} distinct shoppers ({context['queueExtraUsers']:,} of them seeded for it) arriving "
        f"within {ARRIVAL_SECONDS:.0f} s, over ≤ {args.queue_connections} connections. `queue`: waiting room on, "
        f"admitPerSecond {context['queueAdmitPerSecond']}, admitted by a Celery beat + solo worker running "
        f"`waiting_room.admit` every second; polls {poll}; an admitted shopper orders at once with `Queue-Ticket`. "
        f"`queueoff`: no room, one order each when due."
    )
    notes = []
    if room is not None:
        notes.append(
            f"- queue answers: join {_statuses(room.first)}; polls {_statuses(room.polls)}; orders "
            f"{_statuses(room.orders)}; line state after: {json.dumps(room.line_state, sort_keys=True)}; admission "
            f"live {room.admission_live_at - room.opening:.2f} s after the opening"
        )
    if off is not None:
        notes.append(f"- queueoff answers: {_statuses(off.first)}")
    return setup + "\n\n" + "\n".join(lines) + "\n\n" + "\n".join(notes)
