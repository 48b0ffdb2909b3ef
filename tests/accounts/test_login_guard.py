"""Slowed password guessing (accounts/login_guard.py) on the storefront login page, the admin
login and POST /api/auth/token: LOGIN_FAILURE_LIMIT failures per username + address, then refused
until the window ends; Redis down means no limit (fail open), never a locked-out shopper."""

import pytest
from django.contrib.auth import SESSION_KEY

from tests.support.api import assert_problem

pytestmark = pytest.mark.django_db

PASSWORD = "pw-Test-1234!"
LIMIT = 5


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.LOGIN_FAILURE_LIMIT = LIMIT
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 300


def _token(api, username, password, address="10.0.0.1"):
    return api.post("/api/auth/token", {"username": username, "password": password}, format="json", REMOTE_ADDR=address)


def test_api_answers_429_after_repeated_failures(api, user):
    for _ in range(LIMIT):
        assert_problem(_token(api, user.username, "wrong"), 401, "UNAUTHENTICATED")
    # now even the right password is refused for this username from this address
    response = _token(api, user.username, PASSWORD)
    body = assert_problem(response, 429, "RATE_LIMITED", "요청이 너무 많음")
    assert 0 < int(response["Retry-After"]) <= 301
    assert 0 <= body["retryAfter"] <= 300


def test_api_limit_is_per_username_and_address(api, user, other_user):
    for _ in range(LIMIT):
        _token(api, user.username, "wrong")
    assert_problem(_token(api, user.username, PASSWORD), 429, "RATE_LIMITED")
    assert_problem(_token(api, user.username.upper(), PASSWORD), 429, "RATE_LIMITED")  # no case games
    assert _token(api, other_user.username, PASSWORD).status_code == 200
    assert _token(api, user.username, PASSWORD, address="10.0.0.2").status_code == 200


def test_api_success_clears_the_count(api, user):
    for _ in range(LIMIT - 1):
        _token(api, user.username, "wrong")
    assert _token(api, user.username, PASSWORD).status_code == 200
    for _ in range(LIMIT - 1):
        assert_problem(_token(api, user.username, "wrong"), 401, "UNAUTHENTICATED")
    assert _token(api, user.username, PASSWORD).status_code == 200


def test_api_fails_open_when_redis_is_down(api, user, redis_down):
    for _ in range(LIMIT + 2):
        assert_problem(_token(api, user.username, "wrong"), 401, "UNAUTHENTICATED")
    assert _token(api, user.username, PASSWORD).status_code == 200


def _page_login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_page_refuses_in_korean_after_repeated_failures(client, user):
    for _ in range(LIMIT):
        response = _page_login(client, user.username, "wrong")
        assert response.status_code == 200
        assert "올바른 아이디와 비밀번호" in response.content.decode()
    response = _page_login(client, user.username, PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "로그인 시도가 너무 많습니다. 5분 후에 다시 시도해 주세요." in page
    assert SESSION_KEY not in client.session


def test_login_page_works_when_redis_is_down(client, user, redis_down):
    assert client.get("/accounts/login/").status_code == 200
    for _ in range(LIMIT + 1):
        assert _page_login(client, user.username, "wrong").status_code == 200
    response = _page_login(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


def test_admin_login_has_the_same_guard(client, staff):
    for _ in range(LIMIT):
        client.post("/admin/login/", {"username": staff.username, "password": "wrong"})
    response = client.post("/admin/login/?next=/admin/", {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 200  # the admin's form is shown again, with the refusal
    assert "로그인 시도가 너무 많습니다" in response.content.decode()
    assert SESSION_KEY not in client.session
