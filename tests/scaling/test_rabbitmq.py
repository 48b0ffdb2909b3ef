"""Celery on the machine's real RabbitMQ (a vhost of this test's own): a web node and a worker with
beat, both on `amqp://`, while 500 orders are placed over HTTP and RabbitMQ is restarted in the
middle. Every order's event reaches the receiver (each event id at least once, none missing), the
queues are quorum queues, and nothing is left pending: what the broker lost, the outbox sweep
delivered."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from balances.services import balance_charge
from core.api.authentication import access_token_for
from dataplatform.models import OutboxEvent
from orders.models import Order
from tests.support.concurrency import wait_for
from tests.support.factories import ProductFactory, UserFactory
from tests.support.receivers import SECRET
from tests.support.servers import RABBITMQ_URL, ROOT, http, rabbitmqctl, web_node

pytestmark = pytest.mark.django_db(transaction=True)

ORDERS, SHOPPERS = 500, 100


def test_rabbitmq_restarted_mid_orders_loses_no_event(rabbitmq_vhost, receiver, tmp_path):
    vhost, url = rabbitmq_vhost, receiver.url
    products = [ProductFactory(stock=10_000, price=1_000) for _ in range(5)]
    shoppers = [UserFactory() for _ in range(SHOPPERS)]
    for shopper in shoppers:
        balance_charge(user_id=shopper.pk, amount=10_000)
    tokens = {shopper.pk: str(access_token_for(shopper)) for shopper in shoppers}

    db = connection.settings_dict
    broker = f"{RABBITMQ_URL}/{vhost}"
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
                assert rabbitmqctl("stop_app").returncode == 0
                time.sleep(3)  # orders keep committing while the broker is away
                assert rabbitmqctl("start_app").returncode == 0

            restarter = threading.Thread(target=restart_broker)
            restarter.start()
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(order, range(ORDERS)))
            restarter.join()
            assert outcomes == {201: ORDERS}

            wait_for(
                lambda: not OutboxEvent.objects.exclude(status=OutboxEvent.Status.DELIVERED).exists(),
                timeout=150,
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
    assert set(receiver.keys()) == events  # every event reached the data platform; the ids dedupe repeats
    queues = rabbitmqctl("list_queues", "-p", vhost, "name", "type", "--no-table-headers").stdout
    assert "celery\tquorum" in queues, queues
