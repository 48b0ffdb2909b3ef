import socket
from copy import deepcopy

import pytest


def caches_at_closed_port(caches: dict) -> dict:
    """The cache settings with Redis at a port nobody listens on: a real refused connection."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    caches = deepcopy(caches)
    caches["default"]["LOCATION"] = f"redis://127.0.0.1:{port}/0"
    return caches


@pytest.fixture
def redis_down(settings):
    settings.CACHES = caches_at_closed_port(settings.CACHES)
