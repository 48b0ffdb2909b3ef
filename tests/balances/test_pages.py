import pytest
from django.core.management import call_command

from balances.demo import DEMO_STARTING_BALANCE
from balances.models import Balance, LedgerEntry
from balances.services import balance_charge, balance_debit
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_balance_page_needs_login(client):
    response = client.get("/balance/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.post("/balance/", {"amount": "1000"}).status_code == 302
    assert not LedgerEntry.objects.exists()


def test_balance_page_shows_balance_and_history(client, user):
    balance_charge(user_id=user.pk, amount=12_000)
    balance_debit(user_id=user.pk, amount=2_000, order_id=77)
    client.force_login(user)
    page = client.get("/balance/").content.decode()
    assert "10,000원" in page
    assert "+12,000원" in page and "-2,000원" in page
    assert "주문 #77" in page and "결제" in page and "충전" in page


def test_charge_through_the_form(client, user):
    client.force_login(user)
    form_page = client.get("/balance/")
    assert 'name="csrfmiddlewaretoken"' in form_page.content.decode()
    response = client.post("/balance/", {"amount": "10,000"}, follow=True)
    assert response.redirect_chain == [("/balance/", 302)]
    html = response.content.decode()
    assert "10,000원을 충전했습니다. 현재 잔액은 10,000원입니다." in html
    assert Balance.objects.get(user=user).amount == 10_000
    assert LedgerEntry.objects.get().type == "CHARGE"


def test_form_posts_need_csrf(user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post("/balance/", {"amount": "1000"}).status_code == 403
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    "amount, message",
    [
        ("", "충전할 금액을 입력해 주세요."),
        ("abc", "금액은 원 단위의 정수로 입력해 주세요."),
        ("1.5", "금액은 원 단위의 정수로 입력해 주세요."),
        ("0", "충전 금액은 1원 이상이어야 합니다."),
        ("-100", "충전 금액은 1원 이상이어야 합니다."),
        ("1000001", "한 번에 최대 1,000,000원까지 충전할 수 있습니다."),
        ("1" + "0" * 30, "한 번에 최대 1,000,000원까지 충전할 수 있습니다."),
    ],
)
def test_charge_form_korean_errors(client, user, amount, message):
    client.force_login(user)
    response = client.post("/balance/", {"amount": amount})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not LedgerEntry.objects.exists()


def test_charge_form_over_the_cap(client, user, settings):
    settings.BALANCE_MAX = 50_000
    balance_charge(user_id=user.pk, amount=45_000)
    client.force_login(user)
    response = client.post("/balance/", {"amount": "10000"})
    assert "충전 후 잔액이 최대 보유 한도(50,000원)를 넘습니다." in response.content.decode()
    assert Balance.objects.get(user=user).amount == 45_000


def test_history_is_paged(client, user):
    for amount in range(1, 26):
        balance_charge(user_id=user.pk, amount=amount)
    client.force_login(user)
    first = client.get("/balance/").content.decode()
    assert "(25건)" in first
    assert "+25원" in first and "+16원" in first and "+15원" not in first
    assert 'href="?page=2"' in first and 'href="?page=3"' in first
    third = client.get("/balance/?page=3").content.decode()
    assert "+5원" in third and "+1원" in third and "+6원" not in third
    assert 'rel="prev"' in third and 'rel="next"' not in third
    assert "첫 페이지로" in client.get("/balance/?page=99").content.decode()
    assert client.get("/balance/?page=abc").status_code == 200


def test_demo_loader_gives_the_shopper_a_balance_once():
    call_command("load_demo", any_database=True)
    call_command("load_demo", any_database=True)
    shopper = Balance.objects.get(user__username="shopper")
    assert shopper.amount == DEMO_STARTING_BALANCE
    assert LedgerEntry.objects.filter(user__username="shopper").count() == 1


def test_demo_loader_leaves_users_with_history_alone():
    from balances.demo import load_demo_balances

    user = UserFactory()
    balance_charge(user_id=user.pk, amount=5)
    assert load_demo_balances(user_ids=[user.pk]) == 0
    assert Balance.objects.get(user=user).amount == 5
