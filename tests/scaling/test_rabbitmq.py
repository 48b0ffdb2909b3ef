"""Celery on the machine's real RabbitMQ (a vhost of this test's own): a web node and a worker with
beat, both on `amqp://`, while 500 orders are placed over HTTP and RabbitMQ is restarted in the
middle. Every order's event reaches the receiver (each event id at least once, none missing), the
queues are quorum queues, and nothing is left pending: what the broker lost, the outbox sweep
delivered."""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from pytest_httpserver import HTTPServer
from werkzeug import Response

from balances.services import balance_charge
from core.api.authentication import access_token_for
from dataplatform.models import OutboxEvent
from orders.models import Order
from tests.factories import ProductFactory, UserFactory
from tests.scaling.conftest import unavailable
from tests.scaling.servers import ROOT, http, wait_until, web_node

pytestmark = pytest.mark.django_db(transaction=True)

ORDERS, SHOPPERS = 500, 100
SECRET = "rabbitmq-drill-secret"


def _rabbitmqctl(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def vhost():
    if not shutil.which("rabbitmqctl"):
        unavailable("no rabbitmqctl on this machine")
    name = f"shop-test-{uuid.uuid4().hex[:8]}"
    if _rabbitmqctl("add_vhost", name).returncode:
        unavailable(f"RabbitMQ does not answer rabbitmqctl: {_rabbitmqctl('status').stderr.strip()[-300:]}")
    _rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    try:
        yield name
    finally:
        _rabbitmqctl("start_app")  # never leave the machine's broker stopped
        _rabbitmqctl("delete_vhost", name)


@pytest.fixture
def event_receiver():
    keys: list[str] = []
    lock = threading.Lock()

    def handle(request):
        with lock:
            keys.append(request.headers["Idempotency-Key"])
        return Response("ok", status=200)

    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request("/events", method="POST").respond_with_handler(handle)
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}/events", keys
    finally:
        server.stop()


def test_rabbitmq_restarted_mid_orders_loses_no_event(vhost, event_receiver, tmp_path):
    url, received = event_receiver
    products = [ProductFactory(stock=10_000, price=1_000) for _ in range(5)]
    shoppers = [UserFactory() for _ in range(SHOPPERS)]
    for shopper in shoppers:
        balance_charge(user_id=shopper.pk, amount=10_000)
    tokens = {shopper.pk: str(access_token_for(shopper)) for shopper in shoppers}

    db = connection.settings_dict
    broker = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "TEST_CELERY_BROKER_URL": broker,
        "CELERY_BROKER_URL": broker,
        "DATA_PLATFORM_URL": url,
        "DATA_PLATFORM_SECRET": SECRET,
        "DATA_PLATFORM_BACKOFF_BASE_SECONDS": "0.2",
        "DATA_PLATFORM_BACKOFF_CAP_SECONDS": "2",
        "THROTTLE_ORDER": "1000/second",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-B", "-s", str(tmp_path / "beat-schedule")]
        + ["-P", "threads", "-c", "4", "-l", "WARNING", "-n", f"rabbit-drill-{os.getpid()}@%h"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=open(tmp_path / "worker.log", "w"),  # noqa: SIM115 (closed with the process)
        stderr=subprocess.STDOUT,
    )
    try:
        with web_node(env, workers=2) as base:
            outcomes: Counter = Counter()
            sent = threading.Semaphore(0)

            def order(n: int) -> None:
                shopper = shoppers[n % SHOPPERS]
                body = {"userId": shopper.pk, "products": [{"productId": products[n % 5].pk, "quantity": 1}]}
                status, _, _ = http(base, "/api/orders", method="POST", body=body, token=tokens[shopper.pk])
                outcomes[status] += 1
                sent.release()

            def restart_broker() -> None:
                for _ in range(ORDERS // 4):
                    sent.acquire()
                assert _rabbitmqctl("stop_app").returncode == 0
                time.sleep(3)  # orders keep committing while the broker is away
                assert _rabbitmqctl("start_app").returncode == 0

            restarter = threading.Thread(target=restart_broker)
            restarter.start()
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(order, range(ORDERS)))
            restarter.join()
            assert outcomes == {201: ORDERS}

            wait_until(
                lambda: not OutboxEvent.objects.exclude(status=OutboxEvent.Status.DELIVERED).exists(),
                timeout=150,
                what="every event delivered (the sweep runs every 30 s)",
                interval=0.5,
            )
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)

    events = {str(key) for key in OutboxEvent.objects.values_list("event_id", flat=True)}
    assert Order.objects.count() == ORDERS == len(events)
    assert set(received) == events  # every event reached the data platform; the ids dedupe repeats
    queues = _rabbitmqctl("list_queues", "-p", vhost, "name", "type", "--no-table-headers").stdout
    assert "celery\tquorum" in queues, queues
