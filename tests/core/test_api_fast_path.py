"""The API's cheaper request path (found by profiling, docs/benchmarks.md) keeps its behaviour:
access tokens carry a staff claim so bearer requests need no user SELECT, and API requests skip the
storefront's locale negotiation and flash messages while pages keep them."""

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework_simplejwt.tokens import AccessToken

from core.api.authentication import STAFF_CLAIM, access_token_for, user_from_claims
from tests.support.api import assert_problem, bearer

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.urls_for_tests")]


def _user_selects(queries) -> int:
    table = get_user_model()._meta.db_table
    return sum(1 for q in queries if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"])


def _login(api, user) -> dict:
    response = api.post("/api/auth/token", {"username": user.username, "password": "pw-Test-1234!"}, format="json")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("is_staff", [False, True])
def test_issued_access_token_carries_the_staff_flag(api, user, staff, is_staff):
    who = staff if is_staff else user
    tokens = _login(api, who)
    assert AccessToken(tokens["access"])[STAFF_CLAIM] is is_staff
    refreshed = api.post("/api/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json").json()
    assert AccessToken(refreshed["access"])[STAFF_CLAIM] is is_staff


def test_bearer_request_with_claims_needs_no_user_select(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {_login(api, user)['access']}")
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/test/private").json() == {"userId": user.pk}
    assert _user_selects(queries.captured_queries) == 0


def test_token_without_claims_is_checked_against_the_database(api, user):
    api.credentials(HTTP_AUTHORIZATION=bearer(user))  # AccessToken.for_user: no staff claim
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/test/private").status_code == 200
    assert _user_selects(queries.captured_queries) == 1
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert_problem(api.get("/api/test/private"), 401, "UNAUTHENTICATED")


def test_claims_path_can_be_turned_off(api, user, settings):
    settings.JWT_STATELESS_USERS = False
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert_problem(api.get("/api/test/private"), 401, "UNAUTHENTICATED")


def test_refresh_refuses_a_deactivated_user_and_updates_the_staff_flag(api, user):
    tokens = _login(api, user)
    get_user_model().objects.filter(pk=user.pk).update(is_staff=True)
    refreshed = api.post("/api/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json").json()
    assert AccessToken(refreshed["access"])[STAFF_CLAIM] is True
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    response = api.post("/api/auth/token/refresh", {"refresh": refreshed["refresh"]}, format="json")
    assert_problem(response, 401, "UNAUTHENTICATED")


def test_tampered_claims_are_refused(api, user):
    token = str(access_token_for(user))
    header, payload, signature = token.split(".")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {header}.{payload}.{signature[:-4]}abcd")
    assert_problem(api.get("/api/test/private"), 401, "UNAUTHENTICATED")


def test_user_from_claims_loads_other_fields_only_when_read(user):
    claimed = user_from_claims(user.pk, False)
    assert (claimed.pk, claimed.is_staff, claimed.is_active, claimed.is_authenticated) == (user.pk, False, True, True)
    with CaptureQueriesContext(connection) as queries:
        assert claimed.username == user.username
    assert len(queries.captured_queries) == 1


def test_api_answers_in_korean_whatever_the_browser_language(api):
    response = api.post("/api/auth/signup", data={}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    body = assert_problem(response, 400, "INVALID_REQUEST", "잘못된 요청")
    messages = " ".join(e["message"] for e in body["errors"])
    assert "required" not in messages
    assert "필수" in messages


def test_pages_still_negotiate_their_language(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Language"].startswith("ko")
    assert "Accept-Language" in response.get("Vary", "")


def test_claims_user_passes_the_self_or_staff_rule_like_the_row_would(user, other_user):
    from core.api.permissions import ensure_self_or_staff
    from core.errors import Forbidden

    shopper = user_from_claims(str(user.pk), False)  # the claim is a string in the token
    ensure_self_or_staff(shopper, user.pk)
    with pytest.raises(Forbidden):
        ensure_self_or_staff(shopper, other_user.pk)
    ensure_self_or_staff(user_from_claims(str(user.pk), True), other_user.pk)


def test_a_token_is_accepted_until_it_expires(api, user, monkeypatch):
    token = access_token_for(user)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/test/private").status_code == 200
    assert api.get("/api/test/private").status_code == 200
    with time_machine.travel(token["exp"] + 1, tick=False):
        assert_problem(api.get("/api/test/private"), 401, "UNAUTHENTICATED")
