"""The request id of an order travels into the Celery task that delivers its event (a message
header), so a real worker's JSON log lines for that delivery carry it."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from balances.services import balance_charge
from tests.support.concurrency import wait_for
from tests.support.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
REQUEST_ID = "order-req-4711.a"


def start_worker(log_path: Path, receiver_url: str) -> subprocess.Popen:
    db = connection.settings_dict
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        TEST_CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        DATA_PLATFORM_URL=receiver_url,
        DATA_PLATFORM_SECRET=settings.DATA_PLATFORM_SECRET,
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
    )
    args = [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo"]
    args += ["--without-heartbeat", "--without-gossip", "--without-mingle", "-n", f"logs-{os.getpid()}@%h"]
    # stderr is the log; stdout has Celery's start-up banner, which is not a log line
    with open(log_path, "wb") as log:
        return subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=log)


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)


def json_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_the_workers_log_lines_for_a_delivery_carry_the_ordering_requests_id(
    client_for, user, dp_settings, receiver, tmp_path
):
    balance_charge(user_id=user.pk, amount=10_000)
    product = ProductFactory(price=1_000, stock=5)
    log_path = tmp_path / "worker.log"
    worker = start_worker(log_path, receiver.url)
    try:
        response = client_for(user).post(
            "/api/orders",
            {"userId": user.pk, "products": [{"productId": product.pk, "quantity": 1}]},
            format="json",
            HTTP_X_REQUEST_ID=REQUEST_ID,
        )
        assert response.status_code == 201
        assert response["X-Request-ID"] == REQUEST_ID
        wait_for(lambda: len(receiver.received) == 1, timeout=60)

        def lines_of_the_request():
            lines = [line for line in json_lines(log_path) if line.get("request_id") == REQUEST_ID]
            # the event's own line, then the task's "succeeded" line
            return lines if any("deliver_due" in line["message"] for line in lines) else None

        lines = wait_for(lines_of_the_request, timeout=30)
    finally:
        stop(worker)

    every_line = json_lines(log_path)  # the worker's whole log parses, one JSON object per line
    assert every_line and all({"time", "level", "logger", "message", "request_id"} <= set(line) for line in every_line)
    assert any("deliver_due" in line["message"] for line in lines), lines
    assert any(line["message"].endswith(" delivered") for line in lines), lines  # the event's own line
    headers = {name.lower(): value for name, value in receiver.received[0].headers.items()}
    assert headers["x-request-id"] == REQUEST_ID
