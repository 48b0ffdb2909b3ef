"""products.cache.fetch refreshes an entry ahead of its expiry, in one request, while the others
are still served the entry; nothing is ever served older than its ttl."""

import time_machine

from products import cache


def test_entry_is_refreshed_ahead_by_one_request():
    key = cache.key("test", "refresh")
    with time_machine.travel(1_800_000_000, tick=False) as traveller:
        assert cache.fetch(key, lambda: b"v1", 10) == b"v1"
        traveller.shift(3)  # before the refresh point (70-90% of the ttl): served as it is
        assert cache.fetch(key, lambda: b"v2", 10) == b"v1"
        traveller.shift(6.5)  # past it, still within the ttl: this request recomputes and stores
        assert cache.fetch(key, lambda: b"v2", 10) == b"v2"
        assert cache.fetch(key, lambda: b"v3", 10) == b"v2"


def test_while_one_request_refreshes_the_others_get_the_entry():
    key = cache.key("test", "refresh-lock")
    with time_machine.travel(1_800_000_000, tick=False) as traveller:
        cache.fetch(key, lambda: b"old", 10)
        traveller.shift(9.5)
        seen = []

        def slow_compute():
            seen.append(cache.fetch(key, lambda: b"other", 10))  # a concurrent request meanwhile
            return b"new"

        assert cache.fetch(key, slow_compute, 10) == b"new"
        assert seen == [b"old"]


def test_a_version_bump_still_drops_the_entry_at_once():
    key = cache.key("test", "refresh-version")
    cache.fetch(key, lambda: b"before", 10)
    cache.bump_version()
    assert cache.fetch(key, lambda: b"after", 10) == b"after"
