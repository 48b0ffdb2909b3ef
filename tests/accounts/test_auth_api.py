from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from rest_framework_simplejwt.tokens import RefreshToken

from tests.support.api import assert_problem

pytestmark = pytest.mark.django_db
User = get_user_model()
GOOD_PASSWORD = "flash-Sale-2026!"


def test_signup_creates_user(api):
    response = api.post("/api/auth/signup", {"username": "kim", "password": GOOD_PASSWORD}, format="json")
    assert response.status_code == 201
    user = User.objects.get(username="kim")
    assert response.json() == {"userId": user.pk, "username": "kim"}
    assert user.check_password(GOOD_PASSWORD)
    assert not user.is_staff


@pytest.mark.parametrize(
    "body, field",
    [
        ({"username": "kim", "password": "1234"}, "password"),  # too short, numeric, common
        ({"username": "kim", "password": "password"}, "password"),
        ({"username": "kimchi99", "password": "kimchi99"}, "password"),  # too similar to the username
        ({"username": "bad name!", "password": GOOD_PASSWORD}, "username"),
        ({"username": "", "password": GOOD_PASSWORD}, "username"),
        ({"username": "x" * 151, "password": GOOD_PASSWORD}, "username"),
        ({"password": GOOD_PASSWORD}, "username"),
        ({"username": "kim"}, "password"),
        ({"username": 123, "password": GOOD_PASSWORD}, None),
    ],
)
def test_signup_rejects_bad_input(api, body, field):
    response = api.post("/api/auth/signup", body, format="json")
    if body.get("username") == 123:
        # DRF's CharField coerces numbers to text; "123" is a valid username then.
        assert response.status_code == 201
        return
    problem = assert_problem(response, 400, "INVALID_REQUEST", "잘못된 요청")
    assert field in {e["field"] for e in problem["errors"]}
    assert not User.objects.exists()


def test_signup_duplicate_username_is_field_error(api, user):
    response = api.post(
        "/api/auth/signup", {"username": user.username.upper(), "password": GOOD_PASSWORD}, format="json"
    )
    problem = assert_problem(response, 400, "INVALID_REQUEST")
    assert problem["errors"] == [{"field": "username", "message": "이미 사용 중인 아이디입니다."}]
    assert User.objects.count() == 1


def test_signup_body_must_be_object(api):
    response = api.post("/api/auth/signup", ["kim", GOOD_PASSWORD], format="json")
    assert_problem(response, 400, "INVALID_REQUEST")


def test_token_and_refresh(api, user):
    response = api.post("/api/auth/token", {"username": user.username, "password": "pw-Test-1234!"}, format="json")
    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {"access", "refresh"}

    response = api.post("/api/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}  # rotated (tests/accounts/test_refresh_rotation.py)


def test_token_wrong_password(api, user):
    response = api.post("/api/auth/token", {"username": user.username, "password": "wrong"}, format="json")
    assert_problem(response, 401, "UNAUTHENTICATED", "인증 오류")


def test_token_unknown_user(api):
    response = api.post("/api/auth/token", {"username": "ghost", "password": "whatever"}, format="json")
    assert_problem(response, 401, "UNAUTHENTICATED")


def test_token_missing_fields(api):
    problem = assert_problem(api.post("/api/auth/token", {}, format="json"), 400, "INVALID_REQUEST")
    assert {e["field"] for e in problem["errors"]} == {"username", "password"}


def test_token_endpoint_ignores_stale_bearer(api, user):
    api.credentials(HTTP_AUTHORIZATION="Bearer garbage")
    response = api.post("/api/auth/token", {"username": user.username, "password": "pw-Test-1234!"}, format="json")
    assert response.status_code == 200


def test_refresh_with_garbage_and_expired(api, user):
    assert_problem(api.post("/api/auth/token/refresh", {"refresh": "garbage"}, format="json"), 401, "UNAUTHENTICATED")
    refresh = RefreshToken.for_user(user)
    refresh.set_exp(lifetime=-timedelta(seconds=1))
    response = api.post("/api/auth/token/refresh", {"refresh": str(refresh)}, format="json")
    assert_problem(response, 401, "UNAUTHENTICATED")


def test_access_token_is_not_a_refresh_token(api, user):
    access = str(RefreshToken.for_user(user).access_token)
    assert_problem(api.post("/api/auth/token/refresh", {"refresh": access}, format="json"), 401, "UNAUTHENTICATED")
