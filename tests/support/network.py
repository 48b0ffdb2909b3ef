"""Local ports for outages that are real: a port nobody listens on refuses every connection."""

from devtools.network import free_port

__all__ = ["caches_at_closed_port", "free_port"]


def caches_at_closed_port(caches: dict) -> dict:
    """The cache settings with every Redis cache at a closed local port: a real refused connection."""
    return {name: {**config, "LOCATION": f"redis://127.0.0.1:{free_port()}/0"} for name, config in caches.items()}
