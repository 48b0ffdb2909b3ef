import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_signup_page_logs_in(client):
    page = client.get("/accounts/signup/")
    assert page.status_code == 200
    assert "회원가입" in page.content.decode()
    response = client.post(
        "/accounts/signup/",
        {"username": "lee", "password1": "flash-Sale-2026!", "password2": "flash-Sale-2026!"},
    )
    assert response.status_code == 302
    assert User.objects.filter(username="lee").exists()
    assert "lee님" in client.get("/").content.decode()


def test_signup_page_shows_korean_errors(client):
    response = client.post("/accounts/signup/", {"username": "lee", "password1": "1234", "password2": "1234"})
    assert response.status_code == 200
    assert "비밀번호" in response.content.decode()
    assert not User.objects.exists()


def test_login_and_logout(client, user):
    response = client.post("/accounts/login/", {"username": user.username, "password": "pw-Test-1234!"})
    assert response.status_code == 302
    assert f"{user.username}님" in client.get("/").content.decode()
    assert client.post("/accounts/logout/").status_code == 302
    assert "로그인" in client.get("/").content.decode()


def test_login_wrong_password_in_korean(client, user):
    response = client.post("/accounts/login/", {"username": user.username, "password": "nope"})
    assert response.status_code == 200
    assert "올바른" in response.content.decode()


def test_forms_are_csrf_protected(user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"username": user.username, "password": "pw-Test-1234!"})
    assert response.status_code == 403
