"""Prometheus metrics (API.md "Operations"): business counters, HTTP requests and latency, gauges
read at scrape time, and `GET /metrics`.

Counters and histograms are prometheus-client's; under a WSGI server they live in its multiprocess
files (`core.metrics_dir`, switched on by `config/wsgi.py`), so any worker's answer to a scrape is
the sum over all workers. Business counters move only once their transaction commits
(`transaction.on_commit`): a rolled-back order counts nothing.

Gauges are never prometheus-client `Gauge`s (a per-process value has no meaningful sum): a gauge is
a function asked at scrape time, in the process that answers it. Adding one is one call, usually in
the owning app's `AppConfig.ready()`:

    from core import metrics

    def _drops_remaining():
        return {(str(pid),): stock for pid, stock in live_drop_stock()}   # {label values: value}

    metrics.register_gauge("shop_drop_remaining", "Units left of live drops", ["product_id"], _drops_remaining)

A gauge function that raises (the database is down) is logged and left out of that scrape; the
others are still answered.
"""

import functools
import hmac
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from core.errors import ApiError

logger = logging.getLogger(__name__)

# --- business counters ------------------------------------------------------------------------

ORDERS_PLACED = Counter("shop_orders_placed", "Orders placed and paid (committed)")
ORDERS_CANCELLED = Counter("shop_orders_cancelled", "Orders cancelled (committed)")
ORDER_PAID_WON = Counter("shop_order_paid_won", "Won paid for committed orders (before any cancellation)")
ORDER_REJECTED = Counter("shop_order_rejected", "Orders refused, by problem code", ["code"])
COUPON_ISSUE = Counter(
    "shop_coupon_issue", "Coupon issue attempts: issued, or the problem code in lower case", ["result"]
)

# --- HTTP ---------------------------------------------------------------------------------------

HTTP_REQUESTS = Counter("shop_http_requests", "HTTP requests answered", ["view", "method", "status"])
HTTP_LATENCY = Histogram(
    "shop_http_request_duration_seconds", "Time to answer an HTTP request", ["view", "method", "status"]
)
UNRESOLVED_VIEW = "<unresolved>"  # 404s for paths no route matches: one label value, not one per path
# Any other method is counted as "other": a label value per made-up method would have no bound.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def on_commit_inc(counter, amount: float = 1) -> None:
    """Adds `amount` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: counter.inc(amount))


def order_placed(*, paid_won: int) -> None:
    """Call inside the order's transaction."""
    on_commit_inc(ORDERS_PLACED)
    if paid_won:
        on_commit_inc(ORDER_PAID_WON, paid_won)


def order_cancelled() -> None:
    """Call inside the cancel's transaction, only when the order was flipped to CANCELLED."""
    on_commit_inc(ORDERS_CANCELLED)


def count_rejections(counter, *, lower: bool = False, success: str | None = None):
    """Decorates a service: every problem (ApiError) it raises adds one to `counter` labelled with
    the problem's code (in lower case if asked); with `success`, a return adds one labelled
    `success` once the caller's transaction commits."""

    def decorate(service):
        @functools.wraps(service)
        def wrapper(*args, **kwargs):
            try:
                result = service(*args, **kwargs)
            except ApiError as exc:
                counter.labels(exc.code.lower() if lower else exc.code).inc()
                raise
            if success is not None:
                on_commit_inc(counter.labels(success))
            return result

        return wrapper

    return decorate


# --- gauges read at scrape time -----------------------------------------------------------------


@dataclass(frozen=True)
class _Gauge:
    name: str
    documentation: str
    labelnames: tuple[str, ...]
    read: Callable[[], Mapping[tuple[str, ...], float] | float]


_gauges: dict[str, _Gauge] = {}


def register_gauge(
    name: str,
    documentation: str,
    labelnames: Iterable[str],
    read: Callable[[], Mapping[tuple[str, ...], float] | float],
) -> None:
    """`read()` returns the value (no labels) or {label values tuple: value}. Registering a name
    again replaces it (so a reloaded app does not add it twice)."""
    _gauges[name] = _Gauge(name, documentation, tuple(labelnames), read)


class _ScrapeGauges:
    def collect(self):
        for gauge in list(_gauges.values()):
            try:
                values = gauge.read()
            except Exception:
                logger.warning("metrics gauge %s could not be read", gauge.name, exc_info=True)
                continue
            family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=gauge.labelnames)
            if isinstance(values, Mapping):
                for labels, value in values.items():
                    family.add_metric(list(labels), value)
            else:
                family.add_metric([], values)
            yield family


class _Scrape:
    """What one scrape answers: the counters (every worker's, summed, under a WSGI server) and the
    gauges read now."""

    def collect(self):
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            counters = CollectorRegistry()
            MultiProcessCollector(counters)
        else:
            counters = REGISTRY
        yield from counters.collect()
        yield from _ScrapeGauges().collect()


def metrics_view(request):
    """GET /metrics with `Authorization: Bearer <METRICS_TOKEN>`. Without a token configured, or
    with a wrong one, the answer is the site's own 404: the endpoint does not reveal itself."""
    token = settings.METRICS_TOKEN
    offered = request.META.get("HTTP_AUTHORIZATION", "")
    if not token or not hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
        raise Http404
    return HttpResponse(generate_latest(_Scrape()), content_type=CONTENT_TYPE_LATEST)


class RequestMetricsMiddleware:
    """Counts every answered request and its latency by view (the URL name), method and status.
    First in MIDDLEWARE, so the time covers the whole stack."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        match = request.resolver_match
        view = (match.view_name or match.route) if match is not None else UNRESOLVED_VIEW
        method = request.method if request.method in METHODS else "other"
        labels = (view, method, str(response.status_code))
        HTTP_REQUESTS.labels(*labels).inc()
        HTTP_LATENCY.labels(*labels).observe(elapsed)
        return response
