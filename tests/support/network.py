"""Local ports for outages that are real: a port nobody listens on refuses every connection."""

import socket


def free_port() -> int:
    """A 127.0.0.1 port that was free a moment ago; nothing listens on it once the socket closes."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def caches_at_closed_port(caches: dict) -> dict:
    """The cache settings with every Redis cache at a closed local port: a real refused connection."""
    return {name: {**config, "LOCATION": f"redis://127.0.0.1:{free_port()}/0"} for name, config in caches.items()}
