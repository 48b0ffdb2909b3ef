"""A real local HTTP receiver standing in for the data platform, a real Celery worker on the test
broker, and a realistic order body."""

import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.utils import timezone
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05):
    """Polls until predicate() is truthy and returns its value; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


_order_ids = iter(range(1000, 10**9))


def order_body(*, order_id: int | None = None, status: str = "PAID", user_id: int = 7) -> dict:
    """An order in API.md's shape, as the orders app hands it to `event_emit`."""
    created = timezone.now() - timedelta(seconds=3)
    items = [
        {"productId": 11, "name": "한정판 운동화", "unitPrice": 129000, "quantity": 1, "amount": 129000},
        {"productId": 12, "name": "양말 3켤레", "unitPrice": 9900, "quantity": 2, "amount": 19800},
    ]
    total = sum(i["amount"] for i in items)
    return {
        "orderId": order_id or next(_order_ids),
        "userId": user_id,
        "status": status,
        "items": items,
        "totalAmount": total,
        "discountAmount": 5000,
        "paidAmount": total - 5000,
        "couponId": 3,
        "createdAt": created.isoformat(),
        "cancelledAt": timezone.now().isoformat() if status == "CANCELLED" else None,
    }
