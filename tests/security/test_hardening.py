"""Abuse limits and production security settings.

Production settings are loaded for real: a subprocess boots `config.settings.production` with a
valid SECRET_KEY, reports its security settings and the headers/cookies of real responses from
Django's test client (no database needed). The in-process tests then apply exactly those values
with override_settings to check what needs the database (the session cookie after a login)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.test import override_settings
from rest_framework.throttling import ScopedRateThrottle

from core.api.pagination import MAX_PAGE_SIZE, page_params
from core.errors import InvalidRequest
from tests.support.api import assert_problem

ROOT = Path(__file__).resolve().parents[2]
User = get_user_model()
SECURITY_SETTINGS = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE",
    "DATA_UPLOAD_MAX_MEMORY_SIZE",
]
_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
names = json.loads(%r)
client = Client(HTTP_HOST="localhost")
def seen(response):
    cookies = {k: {"secure": bool(v["secure"]), "httponly": bool(v["httponly"]), "samesite": v["samesite"]}
               for k, v in response.cookies.items()}
    return {"status": response.status_code, "headers": dict(response.headers), "cookies": cookies}
print(json.dumps({
    "settings": {name: getattr(settings, name) for name in names},
    "api_https": seen(client.get("/api/health", secure=True)),
    "page_https": seen(client.get("/accounts/login/", secure=True)),
    "page_http": seen(client.get("/accounts/login/")),
    "health_http": seen(client.get("/api/health")),
}))
"""


@pytest.fixture(scope="module")
def production(production_env):
    env = dict(production_env)
    result = subprocess.run(
        [sys.executable, "-c", _PROBE % json.dumps(SECURITY_SETTINGS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_security_settings(production):
    s = production["settings"]
    assert s["DEBUG"] is False
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_PROXY_SSL_HEADER"] is None  # no proxy configured: X-Forwarded-Proto is ignored
    assert s["SECURE_HSTS_SECONDS"] >= 31536000
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert s["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert s["SECURE_REFERRER_POLICY"] == "same-origin"
    assert s["X_FRAME_OPTIONS"] == "DENY"
    assert s["SESSION_COOKIE_SECURE"] is True
    assert s["SESSION_COOKIE_HTTPONLY"] is True
    assert s["CSRF_COOKIE_SECURE"] is True
    assert s["SESSION_COOKIE_SAMESITE"] == s["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert s["DATA_UPLOAD_MAX_MEMORY_SIZE"] == 64 * 1024


@pytest.mark.parametrize("seen", ["api_https", "page_https"])
def test_production_response_headers(production, seen):
    response = production[seen]
    assert response["status"] == 200
    headers = {k.lower(): v for k, v in response["headers"].items()}
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cross-origin-opener-policy"] == "same-origin"


def test_production_csrf_cookie_is_secure(production):
    cookie = production["page_https"]["cookies"]["csrftoken"]
    assert cookie == {"secure": True, "httponly": False, "samesite": "Lax"}


def test_production_redirects_http_to_https_except_health(production):
    assert production["page_http"]["status"] == 301
    location = {k.lower(): v for k, v in production["page_http"]["headers"].items()}["location"]
    assert location == "https://localhost/accounts/login/"
    assert production["health_http"]["status"] == 200  # load balancers probe over plain HTTP


@pytest.mark.django_db
def test_session_cookie_under_production_settings(production, client, user):
    s = production["settings"]
    with override_settings(
        SESSION_COOKIE_SECURE=s["SESSION_COOKIE_SECURE"],
        SESSION_COOKIE_HTTPONLY=s["SESSION_COOKIE_HTTPONLY"],
        CSRF_COOKIE_SECURE=s["CSRF_COOKIE_SECURE"],
        SECURE_HSTS_SECONDS=s["SECURE_HSTS_SECONDS"],
        SECURE_SSL_REDIRECT=s["SECURE_SSL_REDIRECT"],
    ):
        response = client.post(
            "/accounts/login/", {"username": user.username, "password": "pw-Test-1234!"}, secure=True
        )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


# --- request body size cap ---------------------------------------------------------------------


@pytest.mark.django_db
def test_api_body_over_the_cap_is_413_and_writes_nothing(api, settings):
    body = json.dumps({"username": "big", "password": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = api.post("/api/auth/signup", data=body, content_type="application/json")
    assert_problem(response, 413, "PAYLOAD_TOO_LARGE", "요청 본문이 너무 큼")
    assert not User.objects.filter(username="big").exists()


@pytest.mark.django_db
def test_api_body_just_under_the_cap_is_read(api, settings):
    password = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 100)
    response = api.post("/api/auth/signup", {"username": "big", "password": password}, format="json")
    # read and validated (the password is too long for the field), not refused for its size
    body = assert_problem(response, 400, "INVALID_REQUEST")
    assert body["errors"][0]["field"] == "password"


@pytest.mark.django_db
def test_page_body_over_the_cap_is_an_html_400(client, settings):
    response = client.post(
        "/accounts/signup/", {"username": "big", "password1": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert not User.objects.filter(username="big").exists()


# --- page size cap -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_page_size_cap_on_every_paged_operation(api_operations, client_for, staff):
    """`size` is 1..100 (core/api/pagination.py); every operation with a `size` query parameter
    in the OpenAPI schema documents that maximum and answers 400 INVALID_REQUEST above it."""
    assert MAX_PAGE_SIZE == 100
    assert page_params(QueryDict("size=100")).size == 100
    for bad in ("101", "0", "-1", "1e3", "ten", "１０"):
        with pytest.raises(InvalidRequest):
            page_params(QueryDict(f"size={bad}"))

    paged = [op for op in api_operations if any(p["name"] == "size" for p in op.query_params)]
    for op in paged:
        size = next(p for p in op.query_params if p["name"] == "size")
        assert size["schema"].get("maximum") == MAX_PAGE_SIZE, (str(op), size)
        response = client_for(staff).get(op.url(staff.pk), {"size": MAX_PAGE_SIZE + 1})
        assert_problem(response, 400, "INVALID_REQUEST")


# --- scope throttles ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/auth/signup", {"username": "", "password": ""}),
        ("/api/auth/token", {"username": "", "password": ""}),
        ("/api/auth/token/refresh", {"refresh": ""}),
    ],
)
def test_scope_throttles_answer_rate_limited(api, monkeypatch, path, body):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"signup": "2/minute", "token": "2/minute"})
    for _ in range(2):
        assert api.post(path, body, format="json").status_code == 400
    response = api.post(path, body, format="json")
    assert_problem(response, 429, "RATE_LIMITED", "요청이 너무 많음")
    assert int(response["Retry-After"]) >= 1
