"""Cached catalog entries served from the worker's memory (products.local_copies) are dropped at
once when the catalog version changes anywhere: another process's bump, a flush, a lost tracking
connection. Real Redis throughout; "another process" is a real one."""

import bisect
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django_redis import get_redis_connection

from products import cache, local_copies
from products.models import Product
from tests.support.factories import ProductFactory

pytestmark = pytest.mark.django_db
URL = "/api/products"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def products_3(db):
    return [ProductFactory(name=f"상품 {i}") for i in range(3)]


def _ids(api) -> list[int]:
    response = api.get(URL)
    assert response.status_code == 200
    return [item["id"] for item in response.json()["items"]]


def _copied(api, products) -> None:
    """Fill the cache (a miss), then read it once from Redis so this process holds a copy."""
    expected = [p.id for p in products]
    assert _ids(api) == expected
    assert _ids(api) == expected
    assert _held_any()


def _held_any() -> bool:
    return bool(cache._copies._entries)


def _redis_reads() -> int:
    """How many MGETs Redis has answered (a cache read is one MGET)."""
    return get_redis_connection("default").info("commandstats").get("cmdstat_mget", {}).get("calls", 0)


def _hide_in_the_database_only(product: Product) -> None:
    Product.objects.filter(id=product.id).update(active=False)  # no version bump


def test_a_hit_is_served_from_memory_after_one_redis_read(api, products_3):
    _copied(api, products_3)
    _hide_in_the_database_only(products_3[0])
    reads = _redis_reads()
    assert _ids(api) == [p.id for p in products_3]  # the copy, as Redis still holds it (≤ 10 s stale)
    assert _redis_reads() == reads  # neither Redis nor the database was read


def test_a_bump_in_another_process_drops_the_copies_at_once(api, products_3):
    _copied(api, products_3)
    _hide_in_the_database_only(products_3[0])
    subprocess.run(  # a real second process bumps the version the way a staff edit does
        [sys.executable, "manage.py", "shell", "-c", "from products import cache; cache.bump_version()"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        check=True,
        timeout=60,
    )
    assert _ids(api) == [p.id for p in products_3[1:]]


def test_flushing_redis_drops_the_copies(api, products_3):
    _copied(api, products_3)
    _hide_in_the_database_only(products_3[0])
    redis = get_redis_connection("default")
    redis.flushdb()
    redis.ping()  # Redis has written the invalidation before it answers a later command
    assert _ids(api) == [p.id for p in products_3[1:]]


def test_no_copy_is_served_once_the_tracking_connection_is_gone(api, products_3):
    _copied(api, products_3)
    killed = cache._copies.tracking_client_id()
    get_redis_connection("default").execute_command("CLIENT", "KILL", "ID", killed)
    reads = _redis_reads()
    assert _ids(api) == [p.id for p in products_3]
    assert _redis_reads() == reads + 1  # could no longer hear changes: read from Redis instead
    assert cache._copies.tracking_client_id() not in (None, killed)  # connected again, copies back on
    assert _ids(api) == [p.id for p in products_3]
    assert _redis_reads() == reads + 1


def _copies() -> local_copies.LocalCopies:
    return local_copies.LocalCopies(
        location=lambda: settings.CACHES["default"]["LOCATION"],
        redis_key=lambda key: f"t:1:{key}",
        prefix="copies:",
        reset_key="copies:version",
    )


def test_an_entry_read_before_a_change_is_not_kept():
    copies = _copies()
    redis = get_redis_connection("default")
    token = copies.begin()
    assert token is not None
    copies.put(token, "copies:a", ("kept",))
    assert copies.get("copies:a") == ("kept",)
    token = copies.begin()
    redis.set("t:1:copies:b", 2)  # another process writes the entry after our read of it
    redis.ping()  # Redis has written the invalidation before it answers a later command
    copies.put(token, "copies:b", ("read before the change",))
    assert copies.get("copies:b") is None
    assert copies.get("copies:a") == ("kept",)  # only what changed is dropped


def test_a_change_drops_that_copy_and_the_version_drops_all():
    copies = _copies()
    redis = get_redis_connection("default")
    for key in ("copies:a", "copies:b", "other:c"):
        copies.put(copies.begin(), key, (key,))
    redis.set("t:1:copies:a", 1)
    redis.set("t:1:other:c", 1)  # outside the prefix: Redis does not tell
    redis.ping()
    assert [copies.get(key) for key in ("copies:a", "copies:b", "other:c")] == [None, ("copies:b",), ("other:c",)]
    redis.incr("t:1:copies:version")
    redis.ping()
    assert [copies.get(key) for key in ("copies:a", "copies:b", "other:c")] == [None, None, None]


def test_a_forked_process_does_not_use_its_parents_copies(api, products_3, monkeypatch):
    _copied(api, products_3)
    (key,) = cache._copies._entries
    pid = os.getpid()
    monkeypatch.setattr(os, "getpid", lambda: pid + 1)
    assert cache._copies.get(key) is None
    assert not _held_any()


def test_at_most_max_entries_are_kept(monkeypatch):
    monkeypatch.setattr(local_copies, "MAX_ENTRIES", 3)
    copies = _copies()
    for key in "abcde":
        copies.put(copies.begin(), key, (key,))
    copies.put(copies.begin(), "c", ("c again",))  # a refreshed copy is the newest again
    assert [key for key in "abcde" if copies.get(key)] == ["c", "d", "e"]
    copies.put(copies.begin(), "f", ("f",))
    assert [key for key in "abcdef" if copies.get(key)] == ["c", "e", "f"]


def test_no_copies_without_redis(settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"},
    }
    copies = _copies()
    assert copies.begin() is None
    assert copies.get("a") is None


def test_threads_never_read_a_copy_older_than_a_change_that_came_before_the_read():
    """Eight threads read one entry through their process's copies (a miss reads Redis and puts a
    copy) while another client rewrites it 300 times. Every read that starts after a write's reply
    must see that write or a later one."""
    copies = _copies()
    redis = get_redis_connection("default")
    redis.set("t:1:copies:a", 0)
    written_at: list[float] = []  # written_at[i]: when value i + 1 was confirmed written
    reads: list[tuple[float, int]] = []
    stop = threading.Event()

    def reader():
        mine = []
        while not stop.is_set():
            started = time.monotonic()
            entry = copies.get("copies:a")
            if entry is None:
                token = copies.begin()
                entry = (int(redis.get("t:1:copies:a")),)
                copies.put(token, "copies:a", entry)
            mine.append((started, entry[0]))
        reads.extend(mine)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for thread in threads:
        thread.start()
    for value in range(1, 301):
        redis.set("t:1:copies:a", value)
        redis.ping()
        written_at.append(time.monotonic())
        time.sleep(0.0005)
    stop.set()
    for thread in threads:
        thread.join()

    assert len(reads) > 1000
    stale = [(started, seen) for started, seen in reads if seen < bisect.bisect_right(written_at, started)]
    assert stale == []
    assert max(seen for _, seen in reads) == 300


def test_an_entry_written_by_this_process_replaces_its_copy_at_once():
    key = cache.key("test-entry")
    version = cache.current_version()
    cache.store(key, version, b"old", ttl=10)
    assert cache.lookup_fresh(key) == b"old"  # read from Redis and copied
    assert cache._copies._entries[key][1] == b"old"
    cache.store(key, version, b"new", ttl=10)  # e.g. the beat task's refresh of the best sellers
    assert key not in cache._copies._entries  # gone before Redis's message is even read
    assert cache.lookup_fresh(key) == b"new"
