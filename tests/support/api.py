"""Talking to the API as a test: JWT headers, clients, and the problem-details check."""

from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

PROBLEM_JSON = "application/problem+json"


def bearer(user) -> str:
    return f"Bearer {AccessToken.for_user(user)}"


def client_of(user) -> APIClient:
    """An APIClient that sends `user`'s JWT (the `client_for` fixture hands this out)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(user))
    return client


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
