"""Redis addresses under Sentinel, in the forms django-redis and Celery (kombu) expect."""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured


def sentinel_addresses(raw: str) -> list[tuple[str, int]]:
    """`"h1:26379,h2:26379"` → `[("h1", 26379), ("h2", 26379)]`; empty → []."""
    addresses = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        host, _, port = item.rpartition(":")
        if not host or not port.isdigit():
            raise ImproperlyConfigured(f"REDIS_SENTINELS entries must be host:port, got {item!r}")
        addresses.append((host, int(port)))
    return addresses


def _db(redis_url: str) -> int:
    path = urlsplit(redis_url).path.strip("/")
    return int(path) if path.isdigit() else 0


def sentinel_location(redis_url: str, master: str) -> str:
    """django-redis's SentinelConnectionFactory reads the master's name as the URL's host."""
    return f"redis://{master}/{_db(redis_url)}"


def sentinel_broker_url(redis_url: str, sentinels: list[tuple[str, int]]) -> str:
    """kombu's Sentinel transport: one `sentinel://` URL per Sentinel, joined by `;`."""
    return ";".join(f"sentinel://{host}:{port}/{_db(redis_url)}" for host, port in sentinels)


def is_amqp(broker_url: str) -> bool:
    return broker_url.startswith(("amqp://", "amqps://", "pyamqp://"))


def broker_transport_options(broker_url: str, sentinel_master: str) -> dict:
    if broker_url.startswith("sentinel://"):
        return {"master_name": sentinel_master}
    if is_amqp(broker_url):
        # Publisher confirms: a publish returns once RabbitMQ has taken the message.
        return {"confirm_publish": True}
    return {}
