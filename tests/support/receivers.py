"""The data platform as a real local HTTP receiver, delivery settings pointing at it, and a real
Celery worker on the test broker (a plugin registered by tests/conftest.py)."""

import threading
import time
from dataclasses import dataclass, field

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from pytest_httpserver import HTTPServer
from werkzeug import Response

SECRET = "test-data-platform-secret"


@dataclass
class Received:
    headers: dict
    body: bytes


@dataclass
class Receiver:
    """Records every request (headers and raw body) and answers `statuses[n]` to the n-th one
    (200 once they run out). While `hanging` is set, a request waits for `release` first."""

    server: HTTPServer
    statuses: list = field(default_factory=list)
    extra_headers: dict = field(default_factory=dict)
    hanging: bool = False
    delay: float = 0.0
    received: list = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/events"

    def handle(self, request):
        with self.lock:
            self.received.append(Received(headers=dict(request.headers), body=request.get_data()))
            n = len(self.received)
        if self.hanging:
            self.release.wait(timeout=60)
        if self.delay:
            time.sleep(self.delay)
        status = self.statuses[n - 1] if n <= len(self.statuses) else 200
        return Response("ok" if status < 300 else "busy", status=status, headers=self.extra_headers)

    def keys(self) -> list[str]:
        with self.lock:
            return [r.headers["Idempotency-Key"] for r in self.received]

    def start(self) -> "Receiver":
        self.server.start()
        return self


@pytest.fixture
def make_receiver():
    """make_receiver(port=None, start=True) -> Receiver; stopped at the end of the test."""
    made: list[Receiver] = []

    def make(port: int | None = None, *, start: bool = True) -> Receiver:
        server = HTTPServer(host="127.0.0.1", port=port or 0, threaded=True)
        receiver = Receiver(server=server)
        server.expect_request("/events", method="POST").respond_with_handler(receiver.handle)
        made.append(receiver)
        return receiver.start() if start else receiver

    yield make
    for receiver in made:
        receiver.release.set()
        if receiver.server.is_running():
            receiver.server.stop()


@pytest.fixture
def receiver(make_receiver):
    return make_receiver()


@pytest.fixture
def dp_settings(settings, receiver, tmp_path):
    """Delivery to `receiver`, with backoff small enough for tests."""
    settings.DATA_PLATFORM_URL = receiver.url
    settings.DATA_PLATFORM_SECRET = SECRET
    settings.DATA_PLATFORM_CONNECT_TIMEOUT = 2
    settings.DATA_PLATFORM_READ_TIMEOUT = 5
    settings.DATA_PLATFORM_BACKOFF_BASE_SECONDS = 0.05
    settings.DATA_PLATFORM_BACKOFF_CAP_SECONDS = 0.2
    settings.DATA_PLATFORM_RETRY_BUDGET_HOURS = 24
    settings.DATA_PLATFORM_SPOOL_DIR = tmp_path / "spool"
    return settings


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (solo pool, in a thread of this process) consuming the test broker.
    Started after the test database exists, so its task threads use that database."""
    from config.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING") as worker:
        yield worker
    connection.close()
