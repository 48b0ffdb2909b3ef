"""The address book pages: add, edit, delete, choose the default; someone else's → 404."""

import pytest

from addresses.models import Address
from tests.support.builders import make_address

pytestmark = pytest.mark.django_db

FORM = {
    "recipient": "김사과",
    "phone": "010-1234-5678",
    "postal_code": "06236",
    "address": "서울특별시 강남구 테헤란로 152",
    "address_detail": "12층",
    "memo": "문 앞에 놓아 주세요",
}


def test_add_an_address_and_see_it_listed(client, user):
    client.force_login(user)
    assert client.get("/addresses/new/").status_code == 200

    response = client.post("/addresses/new/", FORM, follow=True)

    entry = Address.objects.get(user=user)
    assert (entry.recipient, entry.is_default, entry.memo) == ("김사과", True, "문 앞에 놓아 주세요")
    html = response.content.decode()
    assert "저장했습니다" in html and "테헤란로 152" in html and "기본 배송지" in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("postal_code", "1234", "우편번호는 숫자 5자리로 입력해 주세요. 예: 06236"),
        ("phone", "010-12-34", "전화번호는 숫자와 하이픈(-)으로 입력해 주세요. 예: 010-1234-5678"),
        ("recipient", "", "받는 분 이름을 입력해 주세요."),
        ("address", "", "주소를 입력해 주세요."),
    ],
)
def test_the_form_explains_what_is_wrong(client, user, field, value, message):
    client.force_login(user)
    response = client.post("/addresses/new/", {**FORM, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Address.objects.exists()


def test_edit_delete_and_choose_the_default(client, user):
    client.force_login(user)
    first = make_address(user)
    second = make_address(user, recipient="이배")

    client.post(f"/addresses/{second.pk}/edit/", {**FORM, "recipient": "이배달", "postal_code": "04524"})
    second.refresh_from_db()
    assert (second.recipient, second.postal_code) == ("이배달", "04524")

    client.post(f"/addresses/{second.pk}/default/")
    assert list(Address.objects.filter(is_default=True).values_list("pk", flat=True)) == [second.pk]

    client.post(f"/addresses/{second.pk}/delete/")
    assert list(Address.objects.values_list("pk", "is_default")) == [(first.pk, True)]


def test_unchecking_the_default_is_explained_not_applied(client, user):
    client.force_login(user)
    entry = make_address(user)
    response = client.post(f"/addresses/{entry.pk}/edit/", {**FORM})  # is_default unchecked
    assert "기본 배송지는 해제할 수 없습니다" in response.content.decode()
    entry.refresh_from_db()
    assert entry.is_default


@pytest.mark.parametrize(
    ("method", "page"),
    [("get", "/addresses/{}/edit/"), ("post", "/addresses/{}/delete/"), ("post", "/addresses/{}/default/")],
)
def test_someone_elses_address_pages_are_404(client, user, other_user, method, page):
    theirs = make_address(other_user)
    client.force_login(user)
    assert getattr(client, method)(page.format(theirs.pk)).status_code == 404
    assert Address.objects.filter(pk=theirs.pk, is_default=True).exists()


def test_next_goes_back_to_the_checkout_but_never_off_site(client, user):
    client.force_login(user)
    back = client.post("/addresses/new/?next=/orders/checkout/", {**FORM, "next": "/orders/checkout/"})
    assert back["Location"] == "/orders/checkout/"
    away = client.post("/addresses/new/", {**FORM, "next": "https://evil.example/"})
    assert away["Location"] == "/addresses/"


def test_the_pages_need_a_login(client):
    assert client.get("/addresses/")["Location"].startswith("/accounts/login/")
