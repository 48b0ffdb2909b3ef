"""/metrics under the production server with several worker processes: whichever worker answers a
scrape, it reports the sum over all of them; a new server starts from zero."""

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from rest_framework_simplejwt.tokens import AccessToken

from balances.services import balance_charge
from tests.support.factories import ProductFactory, UserFactory
from tests.support.network import free_port

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-process-test-token-0123456789"


class Granian:
    """granian with `workers` WSGI worker processes on the test database, as production runs it."""

    def __init__(self, metrics_dir: Path, workers: int = 2):
        db = connection.settings_dict
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="config.settings.test",
            DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
            TEST_CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
            METRICS_TOKEN=TOKEN,
            METRICS_DIR=str(metrics_dir),
        )
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.args = [sys.executable, "-m", "granian", "--interface", "wsgi", "config.wsgi:application"]
        self.args += ["--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers)]
        self.args += ["--blocking-threads", "2", "--log-level", "warning"]

    def __enter__(self) -> "Granian":
        self.proc = subprocess.Popen(self.args, cwd=ROOT, env=self.env, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:  # a route that is no view's: the readiness polls count under "<unresolved>" only
                urllib.request.urlopen(f"{self.base}/not-a-page", timeout=1)  # noqa: S310
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.__exit__()
                raise AssertionError("granian did not start")
            time.sleep(0.2)

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def request(self, path: str, *, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        with urllib.request.urlopen(req, timeout=20) as response:  # noqa: S310
            return response.status, response.read()

    def scrape(self) -> dict:
        status, body = self.request("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert status == 200
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(body.decode())
            for sample in family.samples
        }


def health_count(samples: dict) -> float:
    key = ("shop_http_requests_total", frozenset({"view": "api-health", "method": "GET", "status": "200"}.items()))
    return samples.get(key, 0.0)


def read_one(counter_file: Path, tmp_path: Path) -> dict:
    """One worker's own counts: its file alone in a folder, read by prometheus-client."""
    alone = tmp_path / f"alone-{counter_file.stem}"
    alone.mkdir()
    shutil.copy(counter_file, alone / counter_file.name)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(alone))
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in registry.collect()
        for sample in family.samples
    }


def test_every_scrape_reports_the_sum_over_all_workers_and_a_new_server_starts_from_zero(tmp_path):
    metrics_dir = tmp_path / "metrics"
    user = UserFactory()
    balance_charge(user_id=user.pk, amount=100_000)
    product = ProductFactory(price=1_000, stock=100)
    auth = {"Authorization": f"Bearer {AccessToken.for_user(user)}", "Content-Type": "application/json"}
    order = f'{{"userId": {user.pk}, "products": [{{"productId": {product.pk}, "quantity": 2}}]}}'.encode()

    with Granian(metrics_dir) as server:
        # Concurrent clients, each request on a new connection: both workers take their share.
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda _: server.request("/api/health")[0], range(200)))
        assert statuses == [200] * 200
        for _ in range(6):
            assert server.request("/api/orders", method="POST", body=order, headers=auth)[0] == 201
            time.sleep(0.15)  # under the per-user order throttle

        per_worker = [health_count(read_one(path, tmp_path)) for path in metrics_dir.glob("counter_*.db")]
        assert sum(per_worker) == 200
        assert len([n for n in per_worker if n]) == 2, per_worker  # both workers answered some
        scrapes = [server.scrape() for _ in range(12)]  # answered by one worker or the other
        for samples in scrapes:
            assert health_count(samples) == 200
            assert samples[("shop_orders_placed_total", frozenset())] == 6
            assert samples[("shop_order_paid_won_total", frozenset())] == 12_000

    with Granian(metrics_dir) as server:  # the next server: the dead one's files are wiped
        assert server.request("/api/health")[0] == 200
        samples = server.scrape()
        assert health_count(samples) == 1
        assert samples.get(("shop_orders_placed_total", frozenset()), 0.0) == 0
