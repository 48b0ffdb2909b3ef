"""Error reports: with SENTRY_DSN set, a server error reaches a (local, real HTTP) Sentry ingest
endpoint with the Django, Celery and Redis integrations on and no personal data; without it,
sentry-sdk is never imported. Each case runs in a process of its own: sentry-sdk is global."""

import gzip
import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Response

ROOT = Path(__file__).resolve().parents[2]
SECRET_COOKIE = "sessionid-value-that-must-not-leave"
SECRET_TOKEN = "bearer-token-that-must-not-leave"

# Loads the site, answers one request that fails inside a view (a real 500 through Django's
# handler) and one that succeeds, then flushes whatever sentry-sdk queued.
SCRIPT = f"""
import json, sys
import django
django.setup()
from django.test import Client, override_settings
with override_settings(ROOT_URLCONF="tests.core.urls_for_tests", ALLOWED_HOSTS=["testserver"]):
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "{SECRET_COOKIE}"
    boom = client.get("/api/test/boom", HTTP_AUTHORIZATION="Bearer {SECRET_TOKEN}", HTTP_X_REQUEST_ID="boom-req-1")
    health = client.get("/api/health")
report = {{"boom": boom.status_code, "health": health.status_code, "sentry_imported": "sentry_sdk" in sys.modules}}
if report["sentry_imported"]:
    import sentry_sdk
    report["integrations"] = sorted(sentry_sdk.get_client().integrations)
    report["send_default_pii"] = sentry_sdk.get_client().options["send_default_pii"]
    sentry_sdk.flush(timeout=10)
print(json.dumps(report))
"""


def run_site(**env) -> dict:
    environment = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test", **env)
    environment.pop("SENTRY_DSN", None) if "SENTRY_DSN" not in env else None
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=environment, capture_output=True, timeout=120, check=True
    )
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def envelope_items(raw: bytes, encoding: str | None) -> list[dict]:
    if encoding == "br":  # sentry-sdk compresses with brotli when the module is installed
        import brotli

        raw = brotli.decompress(raw)
    elif encoding == "gzip":
        raw = gzip.decompress(raw)
    elif encoding == "deflate":
        raw = zlib.decompress(raw)
    return [json.loads(line) for line in raw.splitlines() if line.strip()]


def test_a_server_error_is_reported_without_personal_data_when_a_dsn_is_set():
    received: list[tuple[dict, bytes]] = []
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/api/42/envelope/", method="POST").respond_with_handler(
        lambda request: received.append((dict(request.headers), request.get_data())) or Response("{}", status=200)
    )
    server.start()
    try:
        report = run_site(SENTRY_DSN=f"http://publickey@127.0.0.1:{server.port}/42", SENTRY_ENVIRONMENT="test")
    finally:
        server.stop()

    assert report["boom"] == 500 and report["health"] == 200
    assert report["sentry_imported"] is True
    assert {"django", "celery", "redis"} <= set(report["integrations"])
    assert report["send_default_pii"] is False
    assert received, "nothing reached the ingest endpoint"
    items = [item for headers, body in received for item in envelope_items(body, headers.get("Content-Encoding"))]
    events = [item for item in items if "exception" in item]
    assert len(events) == 1, items
    [event] = events
    [exception] = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert event["environment"] == "test"
    assert event["tags"]["request_id"] == "boom-req-1"  # the id of the logs and the answer header
    everything = json.dumps(items).encode()
    assert SECRET_COOKIE.encode() not in everything
    assert SECRET_TOKEN.encode() not in everything
    assert "ip_address" not in json.dumps(event.get("user", {}))


def test_without_a_dsn_sentry_is_never_imported():
    report = run_site()
    assert report == {"boom": 500, "health": 200, "sentry_imported": False}
