"""A deactivated product disappears at once from every web worker, each serving cached pages from
its own memory (products.local_copies): two real granian servers (one worker process each) on
the test database and Redis, copies warmed in both, the edit made through one, read through the
other straight away."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from django.db import connection

from core.api.authentication import access_token_for
from tests.support.factories import ProductFactory
from tests.support.network import free_port

pytestmark = pytest.mark.django_db(transaction=True)  # the servers must see committed rows
ROOT = Path(__file__).resolve().parents[2]


def _call(base: str, path: str, *, method: str = "GET", body: dict | None = None, token: str = "") -> tuple[int, dict]:
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (127.0.0.1 only)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@contextmanager
def _server():
    """One granian worker process on the test database (same Redis db and key prefix as the tests)."""
    port = free_port()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    args = [sys.executable, "-m", "granian", "--interface", "wsgi", "config.wsgi:application"]
    args += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--log-level", "warning"]
    proc = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _call(base, "/api/health")[0] == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        yield base
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=15)


def test_a_deactivated_product_disappears_at_once_from_every_worker(staff):
    products = [ProductFactory(name=f"세일 상품 {i}") for i in range(3)]
    ids = [p.id for p in products]
    with ExitStack() as stack:
        first, second = stack.enter_context(_server()), stack.enter_context(_server())
        for base in (first, second, first, second):  # a miss, then a hit read from Redis and copied
            assert [item["id"] for item in _call(base, "/api/products")[1]["items"]] == ids
            assert _call(base, f"/api/products/{ids[0]}")[0] == 200

        status, _ = _call(
            first, f"/api/products/{ids[0]}", method="PATCH", body={"active": False}, token=access_token_for(staff)
        )
        assert status == 200

        # straight away, from the other process, whose copies were warm
        assert [item["id"] for item in _call(second, "/api/products")[1]["items"]] == ids[1:]
        assert _call(second, f"/api/products/{ids[0]}")[0] == 404
        assert [item["id"] for item in _call(first, "/api/products")[1]["items"]] == ids[1:]
