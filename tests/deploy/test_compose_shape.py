"""The deployment shape (docker-compose.yml and deploy/): read as the tools would read them, and
checked for what a broken deployment would get wrong without any error of its own (a proxy that
is not the one trusted hop, a scrape without its token, a dashboard on a datasource that does not
exist, a service nobody watches)."""

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy"
LONG_RUNNING = {"postgres", "redis", "web", "proxy", "worker", "beat", "prometheus", "grafana"}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


@pytest.fixture(scope="module")
def dashboard():
    return json.loads((DEPLOY / "grafana" / "dashboards" / "shop.json").read_text())


def _mounts(service) -> dict[str, str]:
    """container path -> host path (or volume name) of a service's volumes."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        mounts[target] = source
    return mounts


def _host_path(source: str) -> Path:
    assert source.startswith("./"), source
    return ROOT / source[2:]


def test_the_services_of_the_shape(services):
    assert set(services) == LONG_RUNNING | {"migrate"}
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_caddy_terminates_tls_in_front_of_web_and_web_trusts_exactly_that_one_proxy(services):
    proxy, web = services["proxy"], services["web"]
    assert proxy["image"].startswith("caddy:")
    assert {"80:80", "443:443"} <= set(proxy["ports"])
    caddyfile = _host_path(_mounts(proxy)["/etc/caddy/Caddyfile"]).read_text()
    assert "reverse_proxy {$UPSTREAM:web:8000}" in caddyfile
    assert re.search(r"^\{\$SITE_ADDRESS:localhost\} \{", caddyfile, re.M)  # a host name: Caddy serves TLS
    assert "ports" not in web  # reachable only through the proxy (and by Prometheus inside)
    assert web["environment"]["NUM_PROXIES"] == "1"
    # only the one service behind the proxy may believe X-Forwarded-*
    assert [name for name, svc in services.items() if "NUM_PROXIES" in (svc.get("environment") or {})] == ["web"]


def test_only_the_proxy_is_published_beyond_the_host(services):
    for name, service in services.items():
        for port in service.get("ports", []):
            if name != "proxy":
                assert port.startswith("127.0.0.1:"), (name, port)


def test_every_long_running_service_has_a_health_check(services):
    for name in LONG_RUNNING:
        check = services[name].get("healthcheck", {})
        assert check.get("test"), name
        assert check.get("interval") and check.get("retries"), name


def test_beat_ticks_often_enough_for_its_heartbeat_check(services):
    from config import beat

    command = services["beat"]["command"]
    assert command[command.index("-S") + 1] == "config.beat.HeartbeatScheduler"
    max_interval = float(command[command.index("--max-interval") + 1])
    assert max_interval * 3 <= beat.MAX_AGE_SECONDS
    assert services["beat"]["healthcheck"]["test"] == ["CMD", "python", "-m", "config.beat", "--check"]
    assert "inspect ping" in services["worker"]["healthcheck"]["test"][1]


def test_prometheus_scrapes_metrics_with_the_metrics_token(compose, services):
    prometheus = services["prometheus"]
    config_dir = _host_path(_mounts(prometheus)["/etc/prometheus"])
    config = yaml.safe_load((config_dir / "prometheus.yml").read_text())
    (job,) = [job for job in config["scrape_configs"] if job["job_name"] == "shop"]
    assert job["metrics_path"] == "/metrics"
    assert job["static_configs"] == [{"targets": ["web:8000"]}]
    assert job["authorization"] == {"type": "Bearer", "credentials_file": "/run/secrets/metrics_token"}
    # the token file is the compose secret made from the same variable web reads
    assert prometheus["secrets"] == ["metrics_token"]
    assert compose["secrets"]["metrics_token"] == {"environment": "METRICS_TOKEN"}
    assert services["web"]["environment"]["METRICS_TOKEN"].startswith("${METRICS_TOKEN:?")
    # Host: web:8000 must be allowed, and the rule files must be where the config says
    assert "web" in services["web"]["environment"]["ALLOWED_HOSTS"].split(",")
    for rules in config["rule_files"]:
        assert yaml.safe_load((config_dir / rules).read_text())["groups"]


def test_grafana_provisions_the_datasource_and_the_dashboard(services, dashboard):
    mounts = _mounts(services["grafana"])
    provisioning = _host_path(mounts["/etc/grafana/provisioning"])
    (datasource,) = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())["datasources"]
    assert datasource["url"] == "http://prometheus:9090"
    (provider,) = yaml.safe_load((provisioning / "dashboards" / "shop.yml").read_text())["providers"]
    dashboards_dir = provider["options"]["path"]
    assert _host_path(mounts[dashboards_dir]) == DEPLOY / "grafana" / "dashboards"
    assert (
        services["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"] == f"{dashboards_dir}/shop.json"
    )
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == datasource["uid"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == datasource["uid"], panel["title"]


def _exprs(panel) -> str:
    return " ".join(target["expr"] for target in panel["targets"])


def test_the_dashboard_shows_what_a_sale_needs(dashboard):
    by_title = {panel["title"]: _exprs(panel) for panel in dashboard["panels"]}
    assert "rate(shop_orders_placed_total" in by_title["Orders / s"]
    assert "sum by (code) (rate(shop_order_rejected_total" in by_title["Order rejections by code"]
    assert "histogram_quantile(0.99, sum by (le, view)" in by_title["p99 latency by view"]
    assert "shop_outbox_events" in by_title["Outbox backlog"]
    assert "shop_outbox_oldest_pending_seconds" in by_title["Outbox backlog"]
    assert "shop_drop_remaining" in by_title["Drop remaining"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))


def test_the_image_is_built_from_the_hashed_runtime_lock_and_without_local_state():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir --require-hashes -r requirements.txt" in dockerfile
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "var", "node_modules", ".env", "tests", "loadtests"} <= ignored


def test_every_variable_compose_reads_is_documented_in_env_example():
    used = set(re.findall(r"\$\{([A-Z_]+)", (ROOT / "docker-compose.yml").read_text()))
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert used - documented == set()
