"""The one benchmark command (`make bench` = `python3 dev.py bench`).

On this machine, against a bench database of its own (BENCH_DATABASE_NAME, dropped and recreated)
and Redis db BENCH_REDIS_DB (emptied): seeds the benchmark set (loadtests.seed), starts the site
under production settings with granian (its production server) on 127.0.0.1, then for each scenario
1. a closed-model run with wrk for a fixed time (throughput, p50/p95/p99, answers by status),
2. an open-model run (loadtests.openloop) at a fixed share of the closed-model throughput
   (latency without coordinated omission),
while sampling the server workers' RSS and CPU from /proc. Then it checks the invariants
(loadtests.invariants), prints one table and writes it with the machine facts to
docs/benchmarks.md (between the BENCH markers; the notes around them are kept).

    python3 dev.py bench                          # everything, ~5 minutes
    python3 dev.py bench --scenarios list,top     # a subset (health is always measured)
    python3 dev.py bench --sweep                  # choose workers/threads: short runs per config
    python3 dev.py bench --serve 600              # seed, serve for 600 s (for Locust's web UI)
    python3 dev.py bench --worker                 # with a Celery worker delivering the order events
    python3 dev.py bench --nodes 2                # two web nodes behind HAProxy (one proxy, NUM_PROXIES=1)
    python3 dev.py bench --scenarios queue,queueoff  # one crowd at a drop with and without its waiting room

Everything is bounded in time, targets 127.0.0.1 only, and stops the server's whole process group.
"""

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from devtools.postgres_pair import PostgresPair
from loadtests import bench_drop, bench_queue
from loadtests.common import (
    BENCH_DB,
    BENCH_REDIS_DB,
    PY,
    ROOT,
    Server,
    WrkResult,
    bench_environment,
    cpu_seconds,
    django_setup,
    ensure_wrk,
    rss_mb,
    wrk,
)
from loadtests.nodes import Nodes
from loadtests.scenarios import Scenario, scenarios, wrk_lua

OUT_DIR = ROOT / "var" / "bench"
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- BENCH:BEGIN -->", "<!-- BENCH:END -->"
ORDER = ["health", "list", "browse", "top", "coupon", "charge", "order", "mix", "drop", "queue", "queueoff"]
# Not wrk scenarios: each runs its own crowd (loadtests.bench_drop, loadtests.bench_queue).
CROWDS = {"drop", "queue", "queueoff"}

# The production server as measured (docs/benchmarks.md, "Choosing the server"): CLASS:WORKERS[xTHREADS].
DEFAULT_SERVER = os.environ.get("BENCH_SERVER", "granian:2x2")
DEFAULT_CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
SWEEP_BEGIN, SWEEP_END = "<!-- SWEEP:BEGIN -->", "<!-- SWEEP:END -->"


@dataclass(frozen=True)
class ServerSpec:
    worker_class: str
    workers: int
    threads: int

    @classmethod
    def parse(cls, spec: str) -> "ServerSpec":
        """`granian:2x2` (granian's WSGI workers x blocking threads), or gunicorn's `sync:5` / `gthread:3x4`."""
        worker_class, _, size = spec.partition(":")
        workers, _, threads = size.partition("x")
        threads_n = int(threads or 1) if worker_class != "sync" else 1
        return cls(worker_class, int(workers), threads_n)

    def __str__(self) -> str:
        return f"{self.worker_class}:{self.workers}" + (f"x{self.threads}" if self.worker_class != "sync" else "")

    def server(self, env: dict) -> Server:
        if self.worker_class == "granian":
            extra = ("--backlog", "2048")
            return Server(env, workers=self.workers, threads=self.threads, extra_args=extra, program="granian")
        # gunicorn (kept for comparison) turns `sync` with threads > 1 into gthread: sync gets 1 thread.
        extra = ("-k", self.worker_class, "--backlog", "2048", "--keep-alive", "30")
        return Server(env, workers=self.workers, threads=self.threads, extra_args=extra, program="gunicorn")


@dataclass
class Sample:
    """Worker RSS (max) and CPU of the server's workers and of the whole machine over one run, and
    the CPU seconds each kind of process used (`cpu_seconds_by`: the server, PostgreSQL, Redis, the
    machine), which `cpu_table` turns into milliseconds per request."""

    rss_max_mb: float = 0.0
    workers_cpu_share: float = 0.0
    machine_busy: float = 0.0
    cpu_seconds_by: dict = field(default_factory=dict)


# Process names (/proc/PID/comm) counted as the database and the cache, whoever started them: the
# machine's services or the embedded ones.
PROCESS_KINDS = {"postgres": "PostgreSQL", "redis-server": "Redis", "valkey-server": "Redis"}


def cpu_by_kind() -> dict[str, float]:
    """CPU seconds so far of every PostgreSQL and Redis process on the machine, by kind."""
    totals = dict.fromkeys(PROCESS_KINDS.values(), 0.0)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                kind = PROCESS_KINDS.get((entry / "comm").read_text().strip())
            except OSError:
                continue
            if kind:
                totals[kind] += cpu_seconds(int(entry.name))
    return totals


class Sampler:
    def __init__(self, server: Server):
        self.server = server
        self.sample = Sample()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _machine() -> tuple[float, float]:
        fields = [float(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = fields[3] + fields[4]
        return sum(fields), idle

    def _workers_cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self._pids)

    def _server_cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.server.main_pids()) + self._workers_cpu()

    def __enter__(self):
        self._pids = self.server.worker_pids()
        self._cpu0 = self._workers_cpu()
        self._server0 = self._server_cpu()
        self._kinds0 = cpu_by_kind()
        self._machine0 = self._machine()
        self._t0 = time.monotonic()
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(0.5):
            for pid in self.server.worker_pids():
                self.sample.rss_max_mb = max(self.sample.rss_max_mb, rss_mb(pid))

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        wall = time.monotonic() - self._t0
        cores = os.cpu_count() or 1
        cpu = self._workers_cpu() - self._cpu0
        self.sample.workers_cpu_share = cpu / (wall * cores)
        total, idle = self._machine()
        dtotal, didle = total - self._machine0[0], idle - self._machine0[1]
        self.sample.machine_busy = 1 - didle / dtotal if dtotal else 0.0
        kinds = cpu_by_kind()
        self.sample.cpu_seconds_by = {
            "server": self._server_cpu() - self._server0,
            **{kind: kinds[kind] - self._kinds0[kind] for kind in kinds},
            "machine": (dtotal - didle) / os.sysconf("SC_CLK_TCK"),
        }


@dataclass
class Row:
    scenario: Scenario
    closed: WrkResult | None = None
    closed_sample: Sample = field(default_factory=Sample)
    open: dict | None = None
    open_sample: Sample = field(default_factory=Sample)

    def split(self, statuses: dict) -> tuple[int, int, int, int]:
        """(2xx, expected business answers, 429, unexpected) from answers by status/code."""
        ok = expected = throttled = unexpected = 0
        for key, n in statuses.items():
            if key.startswith("2"):
                ok += n
            elif key in self.scenario.expected:
                expected += n
            elif key.startswith("429"):
                throttled += n
            else:
                unexpected += n
        return ok, expected, throttled, unexpected

    @property
    def unexpected(self) -> int:
        if not self.closed:
            return 0
        _, _, throttled, unexpected = self.split(self.closed.statuses)
        total = unexpected + self.closed.socket_errors
        if self.open:
            total += self.split(self.open["statuses"])[3]
            total += self.open["connect_errors"] + self.open["io_errors"] + self.open["unfinished"]
        return total

    @property
    def throttled(self) -> int:
        n = self.split(self.closed.statuses)[2] if self.closed else 0
        return n + (self.split(self.open["statuses"])[2] if self.open else 0)


def run_closed(base: str, server: Server, scenario: Scenario, args, tokens: str) -> tuple[WrkResult, Sample]:
    script = wrk_lua(scenario, tokens_file=tokens, threads=args.wrk_threads)
    profiler = None
    if scenario.name in args.profile.split(","):
        profiler = start_profiler(server, scenario.name, args.seconds)
    with Sampler(server) as sampler:
        result = wrk(
            f"{base}/", connections=args.connections, duration=args.seconds, threads=args.wrk_threads, script=script
        )
    if profiler:
        finish_profiler(profiler, scenario.name)
    return result, sampler.sample


def start_profiler(server: Server, name: str, seconds: int) -> subprocess.Popen:
    """py-spy on every server worker for the run (collapsed stacks in var/bench/profile-NAME.txt)."""
    out = OUT_DIR / f"profile-{name}.txt"
    cmd = [str(Path(PY).parent / "py-spy"), "record", "--subprocesses", "--nonblocking", "-r", "250", "-d"]
    cmd += [str(max(1, seconds - 1)), "--format", "raw", "-o", str(out), "-p", str(server.proc.pid)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def finish_profiler(proc: subprocess.Popen, name: str, top: int = 30) -> None:
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        return
    print(profile_summary(OUT_DIR / f"profile-{name}.txt", top), flush=True)


def profile_summary(path: Path, top: int = 30) -> str:
    """Inclusive share of samples per function (each function once per stack), from py-spy's raw output."""
    if not path.exists():
        return f"(no profile at {path})"
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [
            f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].split("/")[-1] + ")" for f in stack.split(";")
        ]
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + n
        own[frames[-1]] = own.get(frames[-1], 0) + n
    lines = [f"    profile {path.name}: {total} samples; inclusive % | self % | function"]
    for frame, n in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"    {100 * n / total:5.1f} | {100 * own.get(frame, 0) / total:5.1f} | {frame}")
    lines.append("    top self:")
    for frame, n in sorted(own.items(), key=lambda kv: -kv[1])[:15]:
        lines.append(f"    {100 * n / total:5.1f} | {frame}")
    return "\n".join(lines)


def warm_reads(base: str, mix: tuple, tokens: str, *, seconds: int, connections: int = 8) -> None:
    """`seconds` of the GET requests of `mix` (not measured, no writes): imports, connections and
    caches warm before a measured run."""
    reads = tuple((kind, weight) for kind, weight in mix if kind.method == "GET")
    if reads and seconds > 0:
        script = wrk_lua(Scenario("warm", "warm-up", reads), tokens_file=tokens, threads=2)
        wrk(f"{base}/", connections=connections, duration=seconds, script=script)


def run_open(
    base: str, server: Server, scenario: Scenario, rate: float, args, context_file: Path
) -> tuple[dict, Sample]:
    cmd = [PY, "-m", "loadtests.openloop", "--url", base, "--scenario", scenario.name, "--rate", f"{rate:.0f}"]
    cmd += ["--seconds", str(args.open_seconds), "--connections", str(args.open_connections)]
    cmd += ["--context", str(context_file), "--tokens", str(OUT_DIR / "tokens.txt")]
    with Sampler(server) as sampler:
        out = subprocess.run(
            cmd, cwd=ROOT, capture_output=True, text=True, timeout=args.open_seconds + 60, check=True
        ).stdout
    line = next(line for line in out.splitlines() if line.startswith("JSON"))
    return json.loads(line[4:]), sampler.sample


def _ms(value: float) -> str:
    return f"{value:.1f}"


def table(rows: list[Row], health_rps: float) -> str:
    head = (
        "| scenario | req/s | p50 ms | p95 ms | p99 ms | unexpected errors | 429 | expected 409 | × health "
        "| wrk CPU | workers CPU | worker RSS max | open model: offered → achieved req/s | open p50 ms "
        "| open p99 ms | open sender lag p99 ms | openloop CPU | target |\n" + "|---" * 18 + "|"
    )
    lines = [head]
    for row in rows:
        c, s = row.closed, row.scenario
        if c is None:
            continue
        ok, expected, _, _ = row.split(c.statuses)
        rps = c.rps
        extra = ""
        if s.name == "order":
            extra = f" ({ok / c.seconds:,.0f} orders/s)"
        target = []
        if s.target_rps:
            measured = ok / c.seconds if s.name == "order" else rps
            target.append(f"{'✅' if measured >= s.target_rps else '❌'} ≥{s.target_rps:,}/s")
        if s.name != "health" and row.open:
            target.append(f"{'✅' if row.open['p99_ms'] <= s.target_p99_ms else '❌'} open p99 ≤{s.target_p99_ms} ms")
        o = row.open or {}
        open_rate = f"{o['offered_rps']:,.0f} → {o['achieved_rps']:,.0f}" if o else "–"
        lines.append(
            f"| {s.name} — {s.title} | {rps:,.0f}{extra} | {_ms(c.p50_ms)} | {_ms(c.p95_ms)} | {_ms(c.p99_ms)} "
            f"| {row.unexpected} | {row.throttled} | {expected:,} | {rps / health_rps:.2f} "
            f"| {c.generator_cpu_share:.0%} | {row.closed_sample.workers_cpu_share:.0%} "
            f"| {max(row.closed_sample.rss_max_mb, row.open_sample.rss_max_mb):.0f} MB | {open_rate} "
            f"| {o.get('p50_ms', 0):.1f} | {o.get('p99_ms', 0):.1f} | {o.get('send_lag_p99_ms', 0):.1f} "
            f"| {o.get('generator_cpu_share', 0):.0%} "
            f"| {' '.join(target) or '–'} |"
        )
    return "\n".join(lines)


def cpu_table(rows: list[Row]) -> str:
    """CPU milliseconds per request of the closed-model runs, by kind of process: where a request's
    cost goes (the machine's busy time also counts wrk, the kernel and everything else)."""
    lines = [
        "| scenario | server | PostgreSQL | Redis | machine | machine busy |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        c, by = row.closed, row.closed_sample.cpu_seconds_by
        if c is None or not by or not c.requests:
            continue
        per = {kind: 1000 * seconds / c.requests for kind, seconds in by.items()}
        lines.append(
            f"| {row.scenario.name} | {per['server']:.2f} | {per['PostgreSQL']:.2f} | {per['Redis']:.2f} "
            f"| {per['machine']:.2f} | {row.closed_sample.machine_busy:.0%} |"
        )
    return "\n".join(lines)


def answers(rows: list[Row]) -> str:
    out = []
    for row in rows:
        if row.closed:
            closed = ", ".join(f"{k}: {v:,}" for k, v in sorted(row.closed.statuses.items()))
            opened = ", ".join(f"{k}: {v:,}" for k, v in sorted((row.open or {}).get("statuses", {}).items()))
            out.append(f"- **{row.scenario.name}**: closed {closed or '–'}; open {opened or '–'}")
    return "\n".join(out)


def versions() -> str:
    import django
    import granian
    import psycopg

    wrk_version = subprocess.run([ensure_wrk(), "-v"], capture_output=True, text=True).stdout.splitlines()
    return (
        f"Python {platform.python_version()}, Django {django.__version__}, granian {granian.__version__}, "
        f"psycopg {psycopg.__version__}, {wrk_version[0] if wrk_version else 'wrk'}, {platform.platform()}"
    )


def server_versions() -> str:
    from django.db import connection
    from django_redis import get_redis_connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    redis_version = get_redis_connection("default").info().get("redis_version", "?")
    return f"PostgreSQL {pg}, Redis {redis_version}"


def write_doc(block: str, begin: str = BEGIN, end: str = END) -> None:
    DOC.parent.mkdir(exist_ok=True)
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    if begin not in text:
        text += f"\n{begin}\n{end}\n"
    before, rest = text.split(begin, 1)
    after = rest.split(end, 1)[1]
    DOC.write_text(f"{before}{begin}\n{block}\n{end}{after}")


@contextlib.contextmanager
def postgres_pair(mode: str):
    """With --replica on|off: a fresh primary and its streaming replica (devtools.postgres_pair)
    hold the bench database, so that both runs of a comparison have the same kind of server; `on`
    sends the catalog, best-seller and history reads to the replica (DATABASE_REPLICA_URL)."""
    if not mode:
        yield None
        return
    pair = PostgresPair()
    try:
        pair.start()
        yield pair
    finally:
        pair.stop()


@contextlib.contextmanager
def bench_database(args):
    """The bench database, fresh, with Django set up on it: on the machine's PostgreSQL, or with
    --replica on a fresh primary + replica pair; yields (env, pair or None)."""
    with (
        postgres_pair(args.replica) as pair,
        bench_environment(
            fresh=True,
            extra_env={"JWT_ACCESS_MINUTES": "240"},
            database_url=pair.url("primary", "postgres") if pair else None,
        ) as env,
    ):
        django_setup(env)
        yield env, pair


@contextlib.contextmanager
def delivery_worker(env: dict, enabled: bool):
    """With --worker: a Celery worker (solo pool) beside the server, so the order events are
    delivered (to the spool file, as without DATA_PLATFORM_URL) on the same two cores while the
    load runs, as on a one-machine deployment. Stopped with its process group."""
    if not enabled:
        yield None
        return
    cmd = [PY, "-m", "celery", "-A", "config", "worker", "-P", "solo", "-l", "WARNING"]
    cmd += ["--without-heartbeat", "--without-gossip", "--without-mingle", "-n", f"bench-{os.getpid()}@%h"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL)
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(timeout=10)


def outbox_counts() -> str:
    from django.db.models import Count

    from dataplatform.models import OutboxEvent

    counts = dict.fromkeys(OutboxEvent.Status.values, 0)
    counts.update(OutboxEvent.objects.values_list("status").annotate(n=Count("pk")).order_by())
    return ", ".join(f"{status} {n:,}" for status, n in counts.items())


def bench(args) -> int:
    started = time.monotonic()
    load_before = os.getloadavg()
    with bench_database(args) as (env, pair):
        print(f"==> seeding the benchmark set into {BENCH_DB} (Redis db {BENCH_REDIS_DB})", flush=True)
        from loadtests.seed import seed

        context = seed(env, OUT_DIR, products=args.products, users=args.users)
        wanted = ["health"] + [name for name in args.scenarios.split(",") if name and name != "health"]
        if "drop" in wanted:
            context |= bench_drop.seed_drop(OUT_DIR)
        queue_wanted = [name for name in ("queue", "queueoff") if name in wanted]
        if queue_wanted:
            context |= bench_queue.seed_queue(
                OUT_DIR,
                context,
                shoppers=args.queue_shoppers,
                stock=args.queue_stock,
                admit_per_second=args.queue_admit,
            )
        print(f"==> seeded: {json.dumps(context['seedSeconds'])}", flush=True)
        if pair is not None:
            pair.wait_caught_up(timeout=300)
            if args.replica == "on":
                env = dict(env, DATABASE_REPLICA_URL=pair.url("replica", BENCH_DB))
        context_file = OUT_DIR / "context.json"
        context_file.write_text(json.dumps(context, indent=2))
        all_scenarios = scenarios(
            coupon_id=context["couponId"],
            hot_product_id=context["hotProductId"],
            max_product_id=context["maxProductId"],
            drop_product_id=context.get("dropProductId", 0),
        )
        rows = [Row(all_scenarios[name]) for name in ORDER if name in wanted and name not in CROWDS]
        drop_result = queue_result = queueoff_result = None
        facts_load = os.getloadavg()
        spec = ServerSpec.parse(args.server)
        if args.nodes > 1:
            node_env = dict(env, NUM_PROXIES="1")  # the nodes sit behind one proxy
            server = Nodes([spec.server(node_env) for _ in range(args.nodes)])
        else:
            server = spec.server(env)
        with server as base, delivery_worker(env, args.worker):
            shape = f"{args.nodes} nodes of {spec} behind HAProxy" if args.nodes > 1 else str(spec)
            print(f"==> server {shape} at {base}" + (" with a Celery worker" if args.worker else ""), flush=True)
            tokens = str(OUT_DIR / "tokens.txt")
            # Warm every worker's imports, connections and caches on the read paths (no writes).
            mix = all_scenarios["browse"].mix + all_scenarios["top"].mix
            warm_reads(base, mix, tokens, seconds=3, connections=args.connections)
            for row in rows:
                row.closed, row.closed_sample = run_closed(base, server, row.scenario, args, tokens)
                print(
                    f"    {row.scenario.name:8} closed {row.closed.rps:8,.0f} req/s  p99 {row.closed.p99_ms:7.1f} ms  "
                    f"{json.dumps(row.closed.statuses)}",
                    flush=True,
                )
            if "drop" in wanted:
                # The opening stampede, then (sold out) what a losing order costs, closed model as above.
                drop_result = bench_drop.run_drop(base, context, connections=args.drop_connections)
                print(f"    drop     {json.dumps(drop_result.statuses)}", flush=True)
                lost = Row(all_scenarios["droplost"])
                lost.closed, lost.closed_sample = run_closed(base, server, lost.scenario, args, tokens)
                print(
                    f"    droplost closed {lost.closed.rps:8,.0f} req/s  {json.dumps(lost.closed.statuses)}", flush=True
                )
                rows.append(lost)
            queue_poll = None if args.queue_poll == "js" else float(args.queue_poll)
            if "queue" in wanted:
                queue_result = bench_queue.run_queue(
                    base,
                    env,
                    context,
                    connections=args.queue_connections,
                    poll=queue_poll,
                    seconds=args.queue_seconds,
                )
                print(f"    queue    join {json.dumps(queue_result.first)} orders {json.dumps(queue_result.orders)}")
            if "queueoff" in wanted:
                queueoff_result = bench_queue.run_queueoff(
                    base, context, connections=args.queue_connections, seconds=args.queue_seconds
                )
                print(f"    queueoff {json.dumps(queueoff_result.first)}", flush=True)
            if not args.no_open:
                for row in rows:
                    rate = max(10, row.closed.rps * args.open_share)
                    # Open-model runs measure steady state: without this, each began on a cache gone
                    # cold during the runs before (entries live 10 s) and its first ~0.1-0.2 s, every
                    # search and list page recomputed at once, set p99. That cold start is reported
                    # apart (docs/benchmarks.md).
                    warm_reads(base, row.scenario.mix, tokens, seconds=args.open_warm_seconds)
                    row.open, row.open_sample = run_open(base, server, row.scenario, rate, args, context_file)
                    print(
                        f"    {row.scenario.name:8} open   {row.open['offered_rps']:8,.0f} → "
                        f"{row.open['achieved_rps']:,.0f} req/s  p50 {row.open['p50_ms']} p99 {row.open['p99_ms']} ms",
                        flush=True,
                    )
        from loadtests.invariants import check_all

        needs_orders = any(r.scenario.name in {"coupon", "order", "mix", "charge", "droplost"} for r in rows)
        needs_orders = needs_orders or bool(queue_wanted)
        coupons_drawn = any(r.scenario.name == "coupon" for r in rows)
        checks = check_all(context, coupons_drawn=coupons_drawn) if needs_orders else []
        health_rps = rows[0].closed.rps
        drop_line = ""
        if drop_result is not None:
            checks += bench_drop.check_drop(context, drop_result)
            drop_line = bench_drop.report(drop_result, health_rps, context, args.drop_connections)
        queue_block = ""
        for crowd in (queue_result, queueoff_result):
            if crowd is not None:
                checks += bench_queue.check_queue(context, crowd)
        if queue_result or queueoff_result:
            queue_block = bench_queue.report(queue_result, queueoff_result, health_rps, context, args)
        result_table = table(rows, health_rps)
        invariant_lines = "\n".join(f"- {'✅' if c.ok else '❌'} {c.name}: {c.detail}" for c in checks)
        delivery = (
            f"a Celery worker (solo) delivered the order events to the spool file during the load; outbox "
            f"right after the load: {outbox_counts()}"
            if args.worker
            else "no Celery worker ran (the order events wait in the outbox; `--worker` runs one)"
        )
        facts = (
            f"- Run: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {time.monotonic() - started:.0f} s in all\n"
            f"- Machine: {os.cpu_count()} cores, load average before the run {load_before[0]:.2f} / "
            f"{load_before[1]:.2f} / {load_before[2]:.2f} (1/5/15 min), before the load {facts_load[0]:.2f}\n"
            f"- Versions: {versions()}; {server_versions()}\n"
            f"- Server: `{spec}` (server:workers×threads)"
            + (f", {args.nodes} nodes behind HAProxy (round robin)" if args.nodes > 1 else "")
            + (
                f", on a fresh PostgreSQL primary with a streaming replica, catalog reads {'on the replica' if args.replica == 'on' else 'on the primary'}"
                if args.replica
                else ""
            )
            + ", production settings, DEBUG=False, "
            f"LOG_LEVEL={env['LOG_LEVEL']} (JSON lines{', one per request' if env['LOG_LEVEL'] == 'INFO' else ''}), "
            "/metrics on, on 127.0.0.1\n"
            f"- Load: wrk -t{args.wrk_threads} -c{args.connections}, {args.seconds} s per scenario (closed model); "
            f"openloop at {args.open_share:.0%} of each closed-model rate for {args.open_seconds} s, "
            f"≤ {args.open_connections} connections, after {args.open_warm_seconds} s of the scenario's reads "
            f"(open model, latency from the scheduled send time)\n"
            f"- Data: {args.products:,} products, {context['users']:,} users with tokens, "
            f"a {context['couponQuantity']}-coupon drop, a hot product with stock {context['hotStock']:,}\n"
            f"- Delivery: {delivery}"
        )
        block = (
            f"{facts}\n\n{result_table}\n\nCPU milliseconds per request (closed model), by kind of process; the "
            f"machine's busy time also counts wrk, the kernel and everything else:\n\n{cpu_table(rows)}\n\n"
            f"Answers by status (and problem code):\n\n{answers(rows)}\n\n"
            + (f"Timed drop (`drop`, loadtests/bench_drop.py):\n\n{drop_line}\n\n" if drop_line else "")
            + (
                f"Waiting room (`queue`, `queueoff`, loadtests/bench_queue.py):\n\n{queue_block}\n\n"
                if queue_block
                else ""
            )
            + f"Invariants after the run:\n\n{invariant_lines or '- (no write scenarios run)'}"
        )
        print()
        print(result_table)
        print()
        print(cpu_table(rows))
        print()
        print(invariant_lines)
        if drop_line:
            print(drop_line)
        if queue_block:
            print(queue_block)
        print(f"- Delivery: {delivery}")
        if not args.no_write:
            write_doc(block)
            print(f"\n==> written to {DOC.relative_to(ROOT)}")
        failed = [c for c in checks if not c.ok]
        return 1 if failed else 0


def sweep(args) -> int:
    """Short closed-model runs of a few scenarios per server configuration, to choose one."""
    specs = [ServerSpec.parse(c) for c in args.sweep_configs.split(",")]
    names = args.scenarios.split(",") if args.scenarios != ",".join(ORDER) else ["health", "list", "coupon", "order"]
    load_before = os.getloadavg()
    with bench_database(args) as (env, pair):
        from loadtests.seed import seed

        context = seed(env, OUT_DIR, products=args.products, users=args.users)
        all_scenarios = scenarios(
            coupon_id=context["couponId"],
            hot_product_id=context["hotProductId"],
            max_product_id=context["maxProductId"],
        )
        tokens = str(OUT_DIR / "tokens.txt")
        lines = ["| server | " + " | ".join(f"{n} req/s (p99 ms)" for n in names) + " | worker RSS max |"]
        lines.append("|---" * (len(names) + 2) + "|")
        for spec in specs:
            server = spec.server(env)
            cells, rss = [], 0.0
            with server as base:
                warm_reads(base, all_scenarios["browse"].mix, tokens, seconds=2, connections=args.connections)
                for name in names:
                    result, sample = run_closed(base, server, all_scenarios[name], args, tokens)
                    rss = max(rss, sample.rss_max_mb)
                    ok = sum(n for k, n in result.statuses.items() if k.startswith("2"))
                    rate = ok / result.seconds if name == "order" else result.rps
                    cells.append(f"{rate:,.0f} ({result.p99_ms:.0f})")
            lines.append(f"| `{spec}` | " + " | ".join(cells) + f" | {rss:.0f} MB |")
            print(lines[-1], flush=True)
        block = (
            f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load average before {load_before[0]:.2f}; "
            f"wrk -t{args.wrk_threads} -c{args.connections}, {args.seconds} s per cell (order: orders/s).\n\n"
            + "\n".join(lines)
        )
        print(block)
        if not args.no_write:
            write_doc(block, SWEEP_BEGIN, SWEEP_END)
    return 0


def serve(args) -> int:
    with bench_database(args) as (env, pair):
        from loadtests.seed import seed

        context = seed(env, OUT_DIR, products=args.products, users=args.users)
        with ServerSpec.parse(args.server).server(env) as base:
            print(
                f"==> serving the benchmark set at {base} for {args.serve} s\n"
                f"    tokens: {context['tokensFile']}\n    context: {OUT_DIR / 'context.json'}\n"
                f"    SHOP_TOKENS_FILE={context['tokensFile']} SHOP_CONTEXT_FILE={OUT_DIR / 'context.json'} "
                f".venv/bin/locust -f loadtests/locustfile.py -H {base}",
                flush=True,
            )
            with contextlib.suppress(KeyboardInterrupt):
                time.sleep(args.serve)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", default=",".join(ORDER), help=f"comma-separated, from {','.join(ORDER)}")
    parser.add_argument("--seconds", type=int, default=12, help="closed-model run per scenario")
    parser.add_argument("--open-seconds", type=int, default=8, help="open-model run per scenario")
    parser.add_argument("--open-share", type=float, default=0.5, help="open-model rate as a share of the closed max")
    parser.add_argument("--open-connections", type=int, default=64)
    parser.add_argument("--open-warm-seconds", type=int, default=2, help="reads before each open run (0: none)")
    parser.add_argument("--no-open", action="store_true")
    parser.add_argument("--connections", type=int, default=DEFAULT_CONNECTIONS)
    parser.add_argument("--drop-connections", type=int, default=64, help="the drop stampede's connections")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--queue-shoppers", type=int, default=bench_queue.SHOPPERS, help="queue: distinct shoppers")
    parser.add_argument("--queue-stock", type=int, default=bench_queue.STOCK, help="queue: units of each drop")
    parser.add_argument("--queue-admit", type=int, default=bench_queue.ADMIT_PER_SECOND, help="queue: admitPerSecond")
    parser.add_argument("--queue-connections", type=int, default=bench_queue.CONNECTIONS)
    parser.add_argument("--queue-poll", default="js", help="queue: `js` (queue.js's backoff) or a fixed interval in s")
    parser.add_argument("--queue-seconds", type=int, default=bench_queue.SECONDS, help="queue: each crowd's time limit")
    parser.add_argument(
        "--server", default=DEFAULT_SERVER, help="granian:WORKERSxTHREADS or gunicorn CLASS:WORKERS[xTHREADS]"
    )
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--no-write", action="store_true", help="print only, leave docs/benchmarks.md alone")
    parser.add_argument("--sweep", action="store_true", help="compare server configurations instead")
    parser.add_argument("--sweep-configs", default="granian:2x1,granian:2x2,granian:3x1,granian:3x2,granian:4x1,sync:4")
    parser.add_argument("--worker", action="store_true", help="run a Celery worker beside the server")
    parser.add_argument("--nodes", type=int, default=1, help="web nodes (each its own server) behind HAProxy")
    parser.add_argument(
        "--replica",
        choices=["on", "off"],
        default="",
        help="a fresh primary + streaming replica; on: catalog reads from the replica, off: all on the primary",
    )
    parser.add_argument("--profile", default="", help="scenarios to profile with py-spy (comma-separated)")
    parser.add_argument("--serve", type=int, default=0, help="seed, then serve for this many seconds")
    args = parser.parse_args(argv)
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # wrk, openloop and the server inherit it
    if args.serve:
        return serve(args)
    if args.sweep:
        return sweep(args)
    if args.nodes > 1 and args.profile:
        parser.error("--profile follows one server; leave it out with --nodes")
    return bench(args)


if __name__ == "__main__":
    sys.exit(main())
