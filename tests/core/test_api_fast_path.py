"""The API's cheaper request path (found by profiling, docs/benchmarks.md) keeps its behaviour:
bearer users are cached per process for a few seconds, and API requests skip the storefront's
locale negotiation and flash messages while pages keep them."""

import pytest
from django.contrib.auth import get_user_model

from core.api.authentication import user_cache
from tests.conftest import assert_problem, bearer

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.urls_for_tests")]


def _user_selects(queries) -> int:
    table = get_user_model()._meta.db_table
    return sum(1 for q in queries if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"])


def test_bearer_user_is_loaded_once_then_served_from_the_process_cache(api, user, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.JWT_USER_CACHE_SECONDS = 60
    api.credentials(HTTP_AUTHORIZATION=bearer(user))
    with CaptureQueriesContext(connection) as first:
        assert api.get("/api/test/private").json() == {"userId": user.pk}
    with CaptureQueriesContext(connection) as second:
        assert api.get("/api/test/private").json() == {"userId": user.pk}
    assert _user_selects(first.captured_queries) == 1
    assert _user_selects(second.captured_queries) == 0


def test_deactivation_is_seen_once_the_cached_entry_is_gone(api, user, settings):
    settings.JWT_USER_CACHE_SECONDS = 60
    api.credentials(HTTP_AUTHORIZATION=bearer(user))
    assert api.get("/api/test/private").status_code == 200
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    user_cache.clear()  # what the TTL does after JWT_USER_CACHE_SECONDS
    assert_problem(api.get("/api/test/private"), 401, "UNAUTHENTICATED")


def test_cache_off_checks_the_database_every_time(api, user, settings):
    settings.JWT_USER_CACHE_SECONDS = 0
    api.credentials(HTTP_AUTHORIZATION=bearer(user))
    assert api.get("/api/test/private").status_code == 200
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert_problem(api.get("/api/test/private"), 401, "UNAUTHENTICATED")


def test_inactive_user_is_refused_and_not_cached(api, user, settings):
    settings.JWT_USER_CACHE_SECONDS = 60
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    api.credentials(HTTP_AUTHORIZATION=bearer(user))
    assert_problem(api.get("/api/test/private"), 401, "UNAUTHENTICATED")
    get_user_model().objects.filter(pk=user.pk).update(is_active=True)
    assert api.get("/api/test/private").status_code == 200


def test_bad_token_is_still_refused_with_the_cache_on(api, user, settings):
    settings.JWT_USER_CACHE_SECONDS = 60
    api.credentials(HTTP_AUTHORIZATION=bearer(user))
    assert api.get("/api/test/private").status_code == 200
    api.credentials(HTTP_AUTHORIZATION=bearer(user)[:-4] + "abcd")
    assert_problem(api.get("/api/test/private"), 401, "UNAUTHENTICATED")


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
