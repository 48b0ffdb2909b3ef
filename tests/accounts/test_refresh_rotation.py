"""Refresh tokens rotate and are spent once; POST /api/auth/logout {refresh} → 204 blacklists one
(core/api/refresh_tokens.py, simplejwt's token_blacklist app)."""

from datetime import timedelta

import pytest
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from tests.support.api import assert_problem
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db
PASSWORD = "pw-Test-1234!"


def _login(api, user) -> dict:
    response = api.post("/api/auth/token", {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    return response.json()


def _refresh(api, refresh):
    return api.post("/api/auth/token/refresh", {"refresh": refresh}, format="json")


def _logout(api, body):
    return api.post("/api/auth/logout", body, format="json")


def test_refresh_rotates_and_the_used_token_is_refused(api, user):
    first = _login(api, user)["refresh"]
    response = _refresh(api, first)
    assert response.status_code == 200
    second = response.json()["refresh"]
    assert second != first
    assert RefreshToken(second)["user_id"] == str(user.pk)
    assert AccessToken(response.json()["access"])["user_id"] == str(user.pk)

    assert_problem(_refresh(api, first), 401, "UNAUTHENTICATED")  # spent
    third = _refresh(api, second)
    assert third.status_code == 200  # the successor works, once
    assert_problem(_refresh(api, second), 401, "UNAUTHENTICATED")


def test_logout_blacklists_the_refresh_token(api, user):
    tokens = _login(api, user)
    response = _logout(api, {"refresh": tokens["refresh"]})
    assert response.status_code == 204
    assert response.content == b""
    assert BlacklistedToken.objects.filter(token__jti=RefreshToken(tokens["refresh"], verify=False)["jti"]).exists()
    assert_problem(_refresh(api, tokens["refresh"]), 401, "UNAUTHENTICATED")
    assert_problem(_logout(api, {"refresh": tokens["refresh"]}), 401, "UNAUTHENTICATED")  # already out


def test_logout_of_a_rotated_token_ends_the_chain(api, user):
    rotated = _refresh(api, _login(api, user)["refresh"]).json()["refresh"]
    assert _logout(api, {"refresh": rotated}).status_code == 204
    assert_problem(_refresh(api, rotated), 401, "UNAUTHENTICATED")


@pytest.mark.parametrize("body", [{}, {"refresh": ""}, {"refresh": None}, ["x"]])
def test_logout_without_a_refresh_token_is_invalid_request(api, body):
    problem = assert_problem(_logout(api, body), 400, "INVALID_REQUEST")
    if isinstance(body, dict):
        assert [e["field"] for e in problem["errors"]] == ["refresh"]


def test_logout_with_a_bad_token_is_unauthenticated(api, user):
    assert_problem(_logout(api, {"refresh": "garbage"}), 401, "UNAUTHENTICATED")
    assert_problem(_logout(api, {"refresh": 12}), 401, "UNAUTHENTICATED")  # DRF reads it as the text "12"
    access = str(RefreshToken.for_user(user).access_token)
    assert_problem(_logout(api, {"refresh": access}), 401, "UNAUTHENTICATED")  # not a refresh token
    expired = RefreshToken.for_user(user)
    expired.set_exp(lifetime=-timedelta(seconds=1))
    assert_problem(_logout(api, {"refresh": str(expired)}), 401, "UNAUTHENTICATED")
    assert not BlacklistedToken.objects.exists()


def test_logout_is_in_the_schema(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/auth/logout"]["post"]
    assert "204" in operation["responses"]
    assert {"400", "401", "429"} <= set(operation["responses"])
    refreshed = schema["paths"]["/api/auth/token/refresh"]["post"]["responses"]["200"]
    ref = refreshed["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"access", "refresh"}


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_of_one_token_have_one_winner(user):
    from rest_framework.test import APIClient

    refresh = str(RefreshToken.for_user(user))
    results = run_concurrently([lambda: _refresh(APIClient(), refresh) for _ in range(8)], workers=8)
    codes = sorted(r.status_code for r in results)
    assert codes == [200] + [401] * 7, codes
    winner = next(r for r in results if r.status_code == 200).json()["refresh"]
    assert BlacklistedToken.objects.count() == 1
    assert _refresh(APIClient(), winner).status_code == 200  # one live successor
