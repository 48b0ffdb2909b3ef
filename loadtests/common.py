"""Shared benchmark pieces: a bench database, the production server on 127.0.0.1, and wrk.

    from loadtests.common import bench_environment, django_setup, Server, wrk

    with bench_environment() as env:          # engines + database `shop_bench` (migrated) + Redis db 9
        django_setup(env)                     # use the ORM in-process to seed and mint tokens
        with Server(env) as base:              # granian 2 workers x 2 threads, as in production
            result = wrk(f"{base}/api/health", connections=50, duration=10)
            print(result.row("health"))

Everything binds to and targets 127.0.0.1 only; every run is bounded by `duration`.
"""

import json
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from devtools.engines import _ensure_database, engines
from devtools.network import free_port

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
# Overridable so that several checkouts on one machine do not share a bench database.
BENCH_DB = os.environ.get("BENCH_DATABASE_NAME", "shop_bench")
BENCH_REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "9"))
SERVER_LOG = ROOT / "var" / "bench" / "server.log"  # the server's log lines (stderr), appended

# Appended to every wrk script: prints the numbers as one JSON line wrk's own text doesn't give (p95),
# plus the answers by status if the script counts them in a per-thread global table `statuses`.
# It wraps the script's own `setup` (if any) and numbers the threads (`thread_index`, from 1).
_REPORT_LUA = """
local _report_threads = {}
local _script_setup = setup
setup = function(thread)
  table.insert(_report_threads, thread)
  thread:set("thread_index", #_report_threads)
  if _script_setup then _script_setup(thread) end
end

done = function(summary, latency, requests)
  local e = summary.errors
  local counts = {}
  for _, thread in ipairs(_report_threads) do
    local s = thread:get("statuses")
    if type(s) == "table" then
      for key, n in pairs(s) do counts[key] = (counts[key] or 0) + n end
    end
  end
  local parts = {}
  for key, n in pairs(counts) do table.insert(parts, string.format('"%s":%d', key, n)) end
  io.write(string.format(
    '\\nJSON{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,'
    .. '"p50":%d,"p90":%d,"p95":%d,"p99":%d,"max":%d,"statuses":{%s}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99), latency.max,
    table.concat(parts, ",")))
end
"""


def _with_path(url: str, path: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=path))


@contextmanager
def bench_environment(*, fresh: bool = False, extra_env: dict | None = None, database_url: str | None = None):
    """Yields the environment for manage commands and the server, on a database of its own.
    `fresh` drops that database and empties the bench Redis database first (both are ours alone).
    `database_url` puts that database on another PostgreSQL server (the `--replica` runs' primary)."""
    with engines(prefer_local=True) as urls:
        if database_url:
            urls = {**urls, "DATABASE_URL": database_url}
        admin_url = _with_path(urls["DATABASE_URL"], "/postgres").replace("postgres://", "postgresql://", 1)
        if fresh:
            _drop_database(admin_url, BENCH_DB)
            _flush_redis(_with_path(urls["REDIS_URL"], f"/{BENCH_REDIS_DB}"))
        _ensure_database(admin_url, BENCH_DB)
        env = dict(os.environ)
        env.update(
            DATABASE_URL=_with_path(urls["DATABASE_URL"], f"/{BENCH_DB}"),
            REDIS_URL=_with_path(urls["REDIS_URL"], f"/{BENCH_REDIS_DB}"),
            DJANGO_SETTINGS_MODULE="config.settings.production",
            SECRET_KEY=secrets.token_urlsafe(64),
            DATA_PLATFORM_SECRET=secrets.token_urlsafe(48),
            SECURE_SSL_REDIRECT="false",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            # As production logs: one JSON request line per request (to var/bench/server.log), and
            # /metrics on, so the benchmark pays for both (docs/benchmarks.md, metrics and logs).
            LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "INFO"),
            LOG_FORMAT="json",
            METRICS_TOKEN=secrets.token_urlsafe(32),
            PYTHONUNBUFFERED="1",
        )
        env["CELERY_BROKER_URL"] = env["REDIS_URL"]
        env.update(extra_env or {})
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "collectstatic", "--no-input", "-v", "0")
        yield env


def _drop_database(admin_url: str, name: str) -> None:
    import psycopg

    assert name.startswith(("shop_bench", "bench_")), "only a bench database is ever dropped"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _flush_redis(url: str) -> None:
    import redis

    assert urlsplit(url).path.strip("/") == str(BENCH_REDIS_DB) and BENCH_REDIS_DB != 0
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def manage(env: dict, *args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def django_setup(env: dict) -> None:
    """Point this process at the bench environment and set Django up, to seed with the ORM."""
    os.environ.update(env)
    import django

    django.setup()


class Server:
    """The production server (granian or gunicorn) with production settings on 127.0.0.1, stopped
    (whole process group) on exit."""

    def __init__(
        self, env: dict, *, workers: int = 2, threads: int = 2, extra_args: tuple = (), program: str = "granian"
    ):
        self.env, self.workers, self.threads, self.extra_args = env, workers, threads, extra_args
        self.program = program
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def command(self) -> list[str]:
        if self.program == "granian":
            args = [PY, "-m", "granian", "--interface", "wsgi", "config.wsgi:application", "--host", "127.0.0.1"]
            args += ["--port", str(self.port), "--workers", str(self.workers)]
            return [*args, "--blocking-threads", str(self.threads), "--log-level", "warning", *self.extra_args]
        args = [PY, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", str(self.workers)]
        return [*args, "--threads", str(self.threads), "--log-level", "warning", *self.extra_args]

    def __enter__(self) -> str:
        args = self.command()
        SERVER_LOG.parent.mkdir(parents=True, exist_ok=True)
        with open(SERVER_LOG, "ab") as log:
            self.proc = subprocess.Popen(args, cwd=ROOT, env=self.env, start_new_session=True, stderr=log)
        base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/api/health", timeout=1) as response:  # noqa: S310
                    if response.status == 200:
                        return base
            except OSError:
                time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError("the server did not answer /api/health within 60 s")

    def main_pids(self) -> list[int]:
        return [self.proc.pid] if self.proc else []

    def worker_pids(self) -> list[int]:
        """The server's workers (the main process's children), from /proc."""
        if not self.proc:
            return []
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in children.split()]

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


@dataclass
class WrkResult:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    generator_cpu_share: float
    socket_errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)  # "200": n, "409:COUPON_SOLD_OUT": n, ...

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    def row(self, name: str) -> str:
        return (
            f"| {name} | {self.rps:,.0f} | {self.p50_ms:.1f} | {self.p95_ms:.1f} | {self.p99_ms:.1f} "
            f"| {self.error_rate:.2%} | {self.generator_cpu_share:.0%} |"
        )


TABLE_HEADER = "| scenario | req/s | p50 ms | p95 ms | p99 ms | errors | wrk CPU |\n|---|---|---|---|---|---|---|"


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)
        path = shutil.which("wrk")
    if not path:
        raise RuntimeError("wrk is needed for benchmarks: install Debian's `wrk` package")
    return path


def wrk(
    url: str,
    *,
    connections: int,
    duration: int,
    threads: int = 2,
    script: str = "",
    headers: dict | None = None,
    timeout: str = "5s",
) -> WrkResult:
    """Runs wrk (a closed model: `connections` clients back to back) against a 127.0.0.1 URL.
    `script` is Lua defining wrk's request/init/response functions; non-2xx/3xx answers count as
    errors. The generator's CPU share is its CPU time over wall time × cores."""
    assert urlsplit(url).hostname in {"127.0.0.1", "localhost"}, "benchmarks target 127.0.0.1 only"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script + "\n" + _REPORT_LUA)
    args = [ensure_wrk(), f"-t{threads}", f"-c{connections}", f"-d{duration}s", f"--timeout={timeout}", "-s", lua.name]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    out = subprocess.run([*args, url], capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    os.unlink(lua.name)
    line = next(line for line in out.splitlines() if line.startswith("JSON{"))
    data = json.loads(line[4:])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return WrkResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        errors=data["status"] + data["connect"] + data["read"] + data["write"] + data["timeout"],
        p50_ms=data["p50"] / 1000,
        p90_ms=data["p90"] / 1000,
        p95_ms=data["p95"] / 1000,
        p99_ms=data["p99"] / 1000,
        max_ms=data["max"] / 1000,
        generator_cpu_share=cpu / (elapsed * (os.cpu_count() or 1)),
        socket_errors=data["connect"] + data["read"] + data["write"] + data["timeout"],
        statuses=data.get("statuses", {}),
    )


def rss_mb(pid: int) -> float:
    """Resident set size of one process in MiB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_facts() -> str:
    load1, load5, _ = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {load1:.2f} (1 min) / {load5:.2f} (5 min) before the run"
