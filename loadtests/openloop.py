"""An open-model (constant arrival rate) load generator, for latency without coordinated omission.

wrk is a closed model: a slow answer delays that connection's next request, so a server stall is
charged to one request and the requests that should have been sent during it are never sent; p99
then looks better than what arriving users see. Here request i is *scheduled* at t0 + i/rate
whatever happened before, and its latency is measured from that scheduled time: a request that
waits for a free connection (the pool is capped) is still timed from its schedule, so a stall is
charged to every request that should have gone out during it.

    .venv/bin/python -m loadtests.openloop --url http://127.0.0.1:8000 --scenario list \\
        --rate 800 --seconds 10 [--tokens var/bench/tokens.txt --context var/bench/context.json]

Prints one JSON line: offered and achieved rate, p50/p90/p99/max from the schedule, answers by
status (and problem code), errors, how late the sender itself was (`send_lag_p99_ms`: if that is
large the generator, not the server, fell behind) and its own CPU time. HTTP/1.1 keep-alive on
asyncio streams with a minimal response parser; 127.0.0.1 only; bounded by --seconds + --grace.
"""

import argparse
import asyncio
import json
import os
import re
import resource
import sys
import time
from urllib.parse import urlsplit

from loadtests.scenarios import raw_requests, read_tokens, scenarios

_CODE = re.compile(rb'"code"\s*:\s*"([A-Z_]+)"')


class _Closed(Exception):
    pass


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool, bytes]:
    """Status, whether the server closes the connection, body. Content-Length or chunked."""
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1."):
        raise _Closed("not an HTTP response")
    status = int(head[9:12])
    lower = head.lower()
    close = b"\r\nconnection: close" in lower or head.startswith(b"HTTP/1.0")
    match = re.search(rb"\r\ncontent-length:\s*(\d+)", lower)
    if match:
        body = await reader.readexactly(int(match.group(1)))
    elif b"\r\ntransfer-encoding: chunked" in lower:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(parts)
    else:
        body = await reader.read()
        close = True
    return status, close, body


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


async def run(
    *, host: str, port: int, requests: list[bytes], rate: float, seconds: float, connections: int, grace: float
) -> dict:
    loop = asyncio.get_running_loop()
    total = int(rate * seconds)
    queue: asyncio.Queue = asyncio.Queue()
    latencies: list[float] = []
    send_lags: list[float] = []
    statuses: dict[str, int] = {}
    errors = {"connect": 0, "io": 0}
    t0 = loop.time() + 0.2
    completed_at = [t0]

    async def scheduler() -> None:
        for i in range(total):
            delay = t0 + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait(i)

    async def connection() -> None:
        reader = writer = None
        while True:
            i = await queue.get()
            scheduled = t0 + i / rate
            try:
                if writer is None:
                    try:
                        reader, writer = await asyncio.open_connection(host, port)
                    except OSError:
                        errors["connect"] += 1
                        continue
                send_lags.append(loop.time() - scheduled)
                writer.write(requests[i % len(requests)])
                status, close, body = await _read_response(reader)
                now = loop.time()
                latencies.append(now - scheduled)
                completed_at[0] = max(completed_at[0], now)
                key = str(status)
                if status >= 400:
                    match = _CODE.search(body)
                    if match:
                        key += ":" + match.group(1).decode()
                statuses[key] = statuses.get(key, 0) + 1
                if close:
                    writer.close()
                    writer = None
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, _Closed, ValueError):
                errors["io"] += 1
                if writer is not None:
                    writer.close()
                writer = None

    workers = [asyncio.create_task(connection()) for _ in range(connections)]
    await scheduler()
    # Everything has been scheduled; give the answers until the grace period ends.
    deadline = t0 + seconds + grace
    while (len(latencies) + sum(errors.values())) < total and loop.time() < deadline:
        await asyncio.sleep(0.05)
    for task in workers:
        task.cancel()
    await asyncio.gather(*workers, return_exceptions=True)

    done = len(latencies)
    unfinished = total - done - sum(errors.values())
    latencies.sort()
    send_lags.sort()
    elapsed = completed_at[0] - t0
    ms = [round(_percentile(latencies, q) * 1000, 2) for q in (50, 90, 95, 99, 100)]
    return {
        "offered_rps": rate,
        "scheduled": total,
        "completed": done,
        "achieved_rps": round(done / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": ms[0],
        "p90_ms": ms[1],
        "p95_ms": ms[2],
        "p99_ms": ms[3],
        "max_ms": ms[4],
        "send_lag_p99_ms": round(_percentile(send_lags, 99) * 1000, 2),
        "statuses": statuses,
        "connect_errors": errors["connect"],
        "io_errors": errors["io"],
        "unfinished": unfinished,
        "connections": connections,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="base URL on 127.0.0.1")
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--rate", type=float, required=True, help="requests per second, offered")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=64, help="at most this many connections")
    parser.add_argument("--grace", type=float, default=5, help="seconds to wait for answers after the last send")
    parser.add_argument("--tokens", default="", help="file of `userId token` lines (scenarios with users)")
    parser.add_argument("--context", default="", help="JSON {couponId, hotProductId, maxProductId}")
    args = parser.parse_args(argv)

    parts = urlsplit(args.url)
    if parts.hostname not in {"127.0.0.1", "localhost"}:
        parser.error("the open-model generator targets 127.0.0.1 only")
    context = {"couponId": 1, "hotProductId": 1, "maxProductId": 1}
    if args.context:
        with open(args.context, encoding="utf-8") as fh:
            context.update(json.load(fh))
    scenario = scenarios(
        coupon_id=context["couponId"], hot_product_id=context["hotProductId"], max_product_id=context["maxProductId"]
    )[args.scenario]
    users = read_tokens(args.tokens) if scenario.needs_users else []
    count = max(1, int(args.rate * args.seconds))
    requests = raw_requests(scenario, users=users, count=count, host=parts.netloc)

    started = time.monotonic()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result = asyncio.run(
        run(
            host=parts.hostname,
            port=parts.port or 80,
            requests=requests,
            rate=args.rate,
            seconds=args.seconds,
            connections=args.connections,
            grace=args.grace,
        )
    )
    after = resource.getrusage(resource.RUSAGE_SELF)
    wall = time.monotonic() - started
    cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    result["generator_cpu_s"] = round(cpu, 2)
    result["generator_cpu_share"] = round(cpu / (wall * (os.cpu_count() or 1)), 3)
    sys.stdout.write("JSON" + json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
