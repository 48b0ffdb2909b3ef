import os

import pytest

from tests.scaling.servers import PostgresPair, SentinelSet, ServerUnavailable


def unavailable(reason: str):
    """Say why a drill cannot run. In CI (this machine's kind has every server) that is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"scale-out drill cannot run: {reason}")
    pytest.skip(f"scale-out drill cannot run here: {reason}")


@pytest.fixture(scope="module")
def postgres_pair():
    pair = None
    try:
        pair = PostgresPair()
        pair.start()
    except ServerUnavailable as exc:
        if pair is not None:
            pair.stop()
        unavailable(str(exc))
    try:
        yield pair
    finally:
        pair.stop()


@pytest.fixture
def sentinel_set():
    redis_set = None
    try:
        redis_set = SentinelSet()
        redis_set.start()
    except (ServerUnavailable, TimeoutError) as exc:
        if redis_set is not None:
            redis_set.stop()
        unavailable(str(exc))
    try:
        yield redis_set
    finally:
        redis_set.stop()
