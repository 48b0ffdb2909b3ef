import json
from datetime import timedelta

import pytest
from rest_framework.throttling import ScopedRateThrottle
from rest_framework_simplejwt.tokens import AccessToken

from tests.support.api import assert_problem, bearer

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.urls_for_tests")]


def test_unknown_api_route_is_problem_not_html(api):
    body = assert_problem(api.get("/api/nope/123"), 404, "NOT_FOUND", "찾을 수 없음")
    assert body["type"] == "/problems/not-found"


def test_unknown_page_is_html(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "페이지를 찾을 수 없음" in response.content.decode()


def test_wrong_method(api):
    response = api.get("/api/auth/signup")
    body = assert_problem(response, 405, "METHOD_NOT_ALLOWED")
    assert "GET" in body["detail"]
    assert "POST" in response["Allow"]


def test_malformed_json(api):
    response = api.post("/api/auth/signup", data="{not json", content_type="application/json")
    assert_problem(response, 400, "INVALID_REQUEST", "잘못된 요청")


def test_wrong_content_type(api):
    response = api.post("/api/auth/signup", data="username=a", content_type="application/x-www-form-urlencoded")
    assert_problem(response, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_oversized_body(api):
    payload = json.dumps({"username": "x" * 200_000, "password": "y"})
    response = api.post("/api/auth/signup", data=payload, content_type="application/json")
    assert_problem(response, 413, "PAYLOAD_TOO_LARGE")


def test_missing_token(api):
    assert_problem(api.get("/api/test/private"), 401, "UNAUTHENTICATED", "인증 오류")


def test_garbage_token(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer not.a.jwt")
    assert_problem(api.get("/api/test/private"), 401, "UNAUTHENTICATED", "인증 오류")


def test_expired_token(api, user):
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert_problem(api.get("/api/test/private"), 401, "UNAUTHENTICATED")


def test_valid_token(api, user):
    api.credentials(HTTP_AUTHORIZATION=bearer(user))
    response = api.get("/api/test/private")
    assert response.status_code == 200
    assert response.json() == {"userId": user.pk}


def test_unexpected_exception_is_problem_with_request_id(api, caplog):
    response = api.get("/api/test/boom", HTTP_X_REQUEST_ID="req-abc-123")
    body = assert_problem(response, 500, "INTERNAL_ERROR", "서버 오류")
    assert body["requestId"] == "req-abc-123"
    assert response["X-Request-ID"] == "req-abc-123"
    assert "secret internals" not in response.content.decode()
    assert any("req-abc-123" in r.getMessage() and r.exc_info for r in caplog.records)


def test_throttled_is_rate_limited(api, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"signup": "2/minute", "token": "60/minute"})
    for _ in range(2):
        api.post("/api/auth/signup", {"username": "", "password": ""}, format="json")
    response = api.post("/api/auth/signup", {"username": "", "password": ""}, format="json")
    body = assert_problem(response, 429, "RATE_LIMITED", "요청이 너무 많음")
    assert int(response["Retry-After"]) >= 1
    assert body["retryAfter"] >= 0
