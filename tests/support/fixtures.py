"""Fixtures for every test (a plugin registered by tests/conftest.py)."""

import subprocess
from types import SimpleNamespace

import pytest
import redis
from django_redis import get_redis_connection
from rest_framework.test import APIClient

from orders import sold_out
from tests.support.api import client_of
from tests.support.concurrency import wait_for
from tests.support.factories import StaffFactory, UserFactory
from tests.support.network import caches_at_closed_port, free_port


@pytest.fixture(autouse=True)
def _clean_test_redis(settings):
    """Tests own exactly one Redis database (config.settings.test); only that one is flushed."""
    assert settings.CACHES["default"]["KEY_PREFIX"] == "test"
    redis = get_redis_connection("default")
    redis.flushdb()
    # Redis has told this process's catalog copies (products.local_copies) about the flush by the
    # time it answers the next command: none of the last test's copies is served in this one.
    redis.ping()
    # Nor is the last test's hint of which products this process saw sold out (orders.sold_out).
    sold_out.seen_sold_out.clear()
    yield


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def superuser_client(staff):
    """A Django test client logged in as a superuser staff member (the admin's pages)."""
    from django.test import Client

    staff.is_superuser = True
    staff.save()
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def client_for():
    """client_for(user) -> an APIClient that sends that user's JWT."""
    return client_of


@pytest.fixture
def redis_down(settings):
    """Every cache at a closed local port: a real refused connection, not a mock."""
    settings.CACHES = caches_at_closed_port(settings.CACHES)
    from django.core.cache import cache

    cache.set("probe", 1)
    assert cache.get("probe") is None  # really unreachable (the cache ignores the errors)


@pytest.fixture
def private_redis():
    """A Redis server of this test's own (a real process), to take down and bring back:
    `.url`, `.start()` (returns a client once it answers), `.stop()` (kills it)."""
    port = free_port()
    procs = []

    def start():
        proc = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        procs.append(proc)
        client = redis.Redis(host="127.0.0.1", port=port)
        wait_for(lambda: _answers(client), timeout=10)
        return client

    def stop():
        proc = procs[-1]
        proc.kill()
        proc.wait(timeout=10)

    yield SimpleNamespace(url=f"redis://127.0.0.1:{port}/0", start=start, stop=stop)
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def _answers(client) -> bool:
    try:
        return client.ping()
    except redis.exceptions.ConnectionError:
        return False
