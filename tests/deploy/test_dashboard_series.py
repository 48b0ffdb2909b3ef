"""Every series the Grafana dashboard and the Prometheus alerts ask for is one the site exports
under that exact name: a renamed metric would otherwise leave a panel silently empty and an alert
that can never fire."""

import json
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

DEPLOY = Path(__file__).resolve().parent.parent.parent / "deploy"
TOKEN = "dashboard-series-test-token-0123456789"
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def _referenced() -> set[str]:
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "shop.json").read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    alerts = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    exprs += [rule["expr"] for group in alerts["groups"] for rule in group["rules"]]
    return set(re.findall(r"\bshop_[a-z0-9_]+", " ".join(exprs)))


@pytest.mark.django_db
def test_the_dashboard_and_the_alerts_ask_only_for_series_the_site_exports(client, settings):
    settings.METRICS_TOKEN = TOKEN
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    exported = {
        family.name + suffix
        for family in text_string_to_metric_families(response.content.decode())
        for suffix in SUFFIXES.get(family.type, ("",))
    }
    referenced = _referenced()
    assert {"shop_orders_placed_total", "shop_order_rejected_total", "shop_drop_remaining"} <= referenced
    assert referenced - exported == set()
