import pytest

from tests.support.api import assert_problem

pytestmark = pytest.mark.django_db


def test_health(api):
    response = api.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready(api):
    response = api.get("/api/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"postgres": "ok", "redis": "ok"}}


def test_ready_names_redis_when_unreachable(api, settings):
    caches = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    settings.CACHES = caches
    body = assert_problem(api.get("/api/health/ready"), 503, "SERVICE_UNAVAILABLE")
    assert body["failed"] == ["redis"]
    assert body["checks"]["postgres"] == "ok"
    assert body["checks"]["redis"].startswith("error")


def test_health_needs_no_token_even_with_garbage(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer garbage")
    assert api.get("/api/health").status_code == 200


def test_an_unacceptable_type_is_406(api):
    # DRF's own content negotiation (the shortcut that replaced it is gone, docs/benchmarks.md)
    assert api.get("/api/health", HTTP_ACCEPT="application/xml").status_code == 406
    assert api.get("/api/health", HTTP_ACCEPT="application/json; indent=4").status_code == 200
