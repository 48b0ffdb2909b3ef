import pytest

pytestmark = pytest.mark.django_db


def test_home_page_renders_korean_navigation(client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    for label in ["상품", "인기 상품", "쿠폰", "장바구니", "주문내역", "잔액", "로그인"]:
        assert label in html
    assert 'lang="ko"' in html


def test_admin_login_renders_and_staff_can_log_in(client, staff):
    assert client.get("/admin/login/").status_code == 200
    staff.is_superuser = True
    staff.save()
    client.post("/admin/login/?next=/admin/", {"username": staff.username, "password": "pw-Test-1234!"})
    assert client.get("/admin/").status_code == 200


def test_shopper_cannot_use_admin(client, user):
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_api_docs_work_offline(client):
    response = client.get("/api/docs/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "swagger-ui" in html
    assert "//cdn" not in html.lower() and "unpkg" not in html.lower()  # assets from the sidecar, not the network


def test_schema_is_served(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/auth/signup" in schema["paths"]
    assert "/api/health/ready" in schema["paths"]


def test_static_css_is_served(client):
    from django.contrib.staticfiles import finders

    assert finders.find("css/site.css")


def test_won_filter():
    from core.templatetags.shop import won

    assert won(12000) == "12,000원"
    assert won(0) == "0원"
