import pytest
from django_redis import get_redis_connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from tests.factories import StaffFactory, UserFactory

PROBLEM_JSON = "application/problem+json"


@pytest.fixture(autouse=True)
def _clean_test_redis(settings):
    """Tests own exactly one Redis database (config.settings.test); only that one is flushed."""
    assert settings.CACHES["default"]["KEY_PREFIX"] == "test"
    redis = get_redis_connection("default")
    redis.flushdb()
    # Redis has told this process's catalog copies (products.local_copies) about the flush by the
    # time it answers the next command: none of the last test's copies is served in this one.
    redis.ping()
    yield


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def staff(db):
    return StaffFactory()


def bearer(user) -> str:
    return f"Bearer {AccessToken.for_user(user)}"


@pytest.fixture
def client_for():
    """client_for(user) -> an APIClient that sends that user's JWT."""

    def make(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=bearer(user))
        return client

    return make


def assert_problem(response, status: int, code: str, title: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith(PROBLEM_JSON), response["Content-Type"]
    body = response.json()
    assert body["code"] == code, body
    assert body["status"] == status
    assert set(body) >= {"type", "title", "status", "detail", "code"}
    if title is not None:
        assert body["title"] == title
    return body
