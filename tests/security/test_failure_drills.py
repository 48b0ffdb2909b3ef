"""Failure drills on real engines: the PostgreSQL backend of the request is really terminated
(pg_terminate_backend from a second connection, fixture `db_killer` in tests/support/db_killer.py), Redis is
really unreachable (a closed port)."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from tests.support.api import assert_problem

User = get_user_model()
pytestmark = pytest.mark.django_db(transaction=True)


def _signup(api, username):
    return api.post("/api/auth/signup", {"username": username, "password": "flash-Sale-2026!"}, format="json")


def test_connection_lost_before_the_request_is_503(api, db_killer):
    db_killer.kill_now()
    body = assert_problem(_signup(api, "lost-before"), 503, "SERVICE_UNAVAILABLE", "일시적으로 사용할 수 없음")
    assert "데이터베이스" in body["detail"]
    connection.close()
    assert not User.objects.filter(username="lost-before").exists()
    # the next request gets a fresh connection and works
    assert _signup(api, "lost-before").status_code == 201


def test_connection_lost_mid_request_is_503_and_writes_nothing(api, db_killer):
    with db_killer.on_sql('INSERT INTO "auth_user"') as fired:
        response = _signup(api, "lost-midway")
    assert fired  # the username check ran on the same connection before the kill
    assert_problem(response, 503, "SERVICE_UNAVAILABLE")
    connection.close()
    assert not User.objects.filter(username="lost-midway").exists()


def test_redis_down_ready_names_it_and_pages_still_render(api, client, settings, user):
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"},
    }
    body = assert_problem(api.get("/api/health/ready"), 503, "SERVICE_UNAVAILABLE")
    assert body["failed"] == ["redis"]
    assert "redis" in body["detail"]
    # the login page uses the cache (login guard); it renders and logs in from the database
    assert client.get("/").status_code == 200
    assert client.get("/accounts/login/").status_code == 200
    response = client.post("/accounts/login/", {"username": user.username, "password": "pw-Test-1234!"})
    assert response.status_code == 302
    assert f"{user.username}님" in client.get("/").content.decode()
    # throttled API endpoints fail open as well
    token = api.post("/api/auth/token", {"username": user.username, "password": "pw-Test-1234!"}, format="json")
    assert token.status_code == 200
