"""Real servers for the scale-out drills, started on 127.0.0.1 and removed afterwards.

- `PostgresPair` (devtools/postgres_pair.py, which the benchmark uses too): a primary and a
  streaming replica of it made with `pg_basebackup -R`.
- `SentinelSet`: a Redis master, one replica and three Sentinels (`redis-server --sentinel`).
- `WebNode` (see `web_node`): one granian web server on a settings environment of our choosing.

Each raises `ServerUnavailable` with the reason when its binaries or a start fail; the fixtures
(a plugin registered by tests/conftest.py) turn that into a skip that names the reason, and into a
failure under CI, whose machines have every one of these servers.
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.network import free_port, wait_for
from devtools.postgres_pair import PostgresPair, ServerUnavailable
from tests.support.paths import ROOT

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672"


# --- Redis under Sentinel --------------------------------------------------------------------


class SentinelSet:
    """A master, a replica and three Sentinels watching them as `master_name`."""

    def __init__(self, master_name: str = "shop") -> None:
        if not shutil.which("redis-server"):
            raise ServerUnavailable("no redis-server binary on this machine")
        self.master_name = master_name
        self.base = Path(tempfile.mkdtemp(prefix="shop-sentinel-"))
        self.data_ports = [free_port(), free_port()]
        self.sentinel_ports = [free_port() for _ in range(3)]
        self.procs: dict[int, subprocess.Popen] = {}

    def _spawn(self, port: int, *args: str) -> None:
        log = open(self.base / f"{port}.log", "w")  # noqa: SIM115 (closed with the process)
        self.procs[port] = subprocess.Popen(
            ["redis-server", *args], stdout=log, stderr=subprocess.STDOUT, cwd=self.base, start_new_session=True
        )

    def _client(self, port: int):
        import redis

        return redis.Redis(host="127.0.0.1", port=port, socket_timeout=1, socket_connect_timeout=1)

    def start(self) -> "SentinelSet":
        master, replica = self.data_ports
        common = ("--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.base))
        self._spawn(master, "--port", str(master), *common)
        self._spawn(replica, "--port", str(replica), *common, "--replicaof", "127.0.0.1", str(master))
        for port in self.data_ports:
            wait_for(lambda port=port: self._ping(port), timeout=10)
        for port in self.sentinel_ports:
            conf = self.base / f"sentinel-{port}.conf"
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {self.base}\n"
                f"sentinel monitor {self.master_name} 127.0.0.1 {master} 2\n"
                f"sentinel down-after-milliseconds {self.master_name} 1000\n"
                f"sentinel failover-timeout {self.master_name} 5000\n"
                f"sentinel parallel-syncs {self.master_name} 1\n"
            )
            self._spawn(port, str(conf), "--sentinel")
        for port in self.sentinel_ports:
            wait_for(lambda port=port: self._ping(port), timeout=10)
        wait_for(self._replica_linked, timeout=15)
        return self

    def _ping(self, port: int) -> bool:
        try:
            return bool(self._client(port).ping())
        except Exception:
            return False

    def _replica_linked(self) -> bool:
        try:
            return self._client(self.data_ports[1]).info("replication").get("master_link_status") == "up"
        except Exception:
            return False

    @property
    def sentinels(self) -> str:
        return ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)

    def master_port(self) -> int | None:
        """The master as the Sentinels see it (None while they cannot say)."""
        for port in self.sentinel_ports:
            with contextlib.suppress(Exception):
                address = self._client(port).sentinel_get_master_addr_by_name(self.master_name)
                if address:
                    return int(address[1])
        return None

    def kill_master(self) -> int:
        port = self.master_port()
        proc = self.procs[port]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        return port

    def wait_failover(self, old_port: int, timeout: float = 30) -> int:
        def promoted():
            port = self.master_port()
            if port and port != old_port:
                with contextlib.suppress(Exception):
                    if self._client(port).info("replication").get("role") == "master":
                        return port
            return None

        new_port = wait_for(promoted, timeout=timeout, interval=0.2)

        def clients_see_it():
            # what redis-py's Sentinel client (django-redis, Celery) asks: a sentinel that reports
            # the new master up (not subjectively or objectively down), not only its address
            from redis.sentinel import Sentinel

            with contextlib.suppress(Exception):
                found = Sentinel([("127.0.0.1", p) for p in self.sentinel_ports], socket_timeout=1)
                return found.discover_master(self.master_name)[1] == new_port
            return False

        wait_for(clients_see_it, timeout=timeout, interval=0.2)
        return new_port

    def stop(self) -> None:
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                proc.wait(timeout=10)
        shutil.rmtree(self.base, ignore_errors=True)


# --- Web nodes -------------------------------------------------------------------------------


def http(base: str, path: str, *, method: str = "GET", body=None, token: str = "", headers=None):
    """(status, parsed JSON or None, response headers) for one request to 127.0.0.1."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, method=method, data=data)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 (127.0.0.1 only)
            raw = response.read()
            return response.status, (json.loads(raw) if raw else None), response.headers
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return error.code, parsed, error.headers


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=300)


@contextlib.contextmanager
def web_node(env: dict, *, workers: int = 1) -> Iterator[str]:
    """One granian server (production's WSGI server) with `env`; yields its base URL."""
    port = free_port()
    args = [sys.executable, "-m", "granian", "--interface", "wsgi", "config.wsgi:application"]
    args += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    proc = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:

        def up():
            if proc.poll() is not None:
                raise ServerUnavailable(f"the web node exited with {proc.returncode}")
            with contextlib.suppress(OSError):
                return http(base, "/api/health")[0] == 200
            return False

        wait_for(up, timeout=60)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


# --- RabbitMQ: the machine's broker, a vhost per test ------------------------------------------


def rabbitmqctl(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True, timeout=timeout)


# --- Fixtures --------------------------------------------------------------------------------


def unavailable(reason: str):
    """Say why a drill cannot run: a skip naming the reason, a failure under CI."""
    if os.environ.get("CI"):
        pytest.fail(f"scale-out drill cannot run: {reason}")
    pytest.skip(f"scale-out drill cannot run here: {reason}")


@pytest.fixture(scope="module")
def postgres_pair():
    pair = None
    try:
        pair = PostgresPair()
        pair.start()
    except (ServerUnavailable, AssertionError) as exc:
        if pair is not None:
            pair.stop()
        unavailable(str(exc))
    try:
        yield pair
    finally:
        pair.stop()


@pytest.fixture
def sentinel_set():
    redis_set = None
    try:
        redis_set = SentinelSet()
        redis_set.start()
    except (ServerUnavailable, AssertionError) as exc:
        if redis_set is not None:
            redis_set.stop()
        unavailable(str(exc))
    try:
        yield redis_set
    finally:
        redis_set.stop()


@pytest.fixture
def rabbitmq_vhost():
    """A fresh vhost on the machine's RabbitMQ (guest may use it); yields its broker URL."""
    if not shutil.which("rabbitmqctl"):
        unavailable("no rabbitmqctl on this machine")
    name = f"shop-test-{os.getpid()}-{time.monotonic_ns()}"
    if rabbitmqctl("add_vhost", name).returncode:
        unavailable(f"RabbitMQ does not answer rabbitmqctl: {rabbitmqctl('status').stderr.strip()[-300:]}")
    rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    try:
        yield name
    finally:
        rabbitmqctl("start_app")  # never leave the machine's broker stopped
        rabbitmqctl("delete_vhost", name)
