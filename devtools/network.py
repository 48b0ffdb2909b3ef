"""Two small things every local server needs: a free port on 127.0.0.1, and waiting for a
condition (a server answering, a replica caught up)."""

import socket
import time


def free_port() -> int:
    """A 127.0.0.1 port that was free a moment ago; nothing listens on it once the socket closes."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05):
    """Polls until predicate() is truthy and returns its value; AssertionError after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)
