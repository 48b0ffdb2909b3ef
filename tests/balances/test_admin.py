import pytest

from balances.models import Balance, LedgerEntry
from balances.services import balance_charge
from tests.support.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(StaffFactory(is_superuser=True))
    return client


def test_balance_and_ledger_are_read_only(admin_client, user):
    entry = balance_charge(user_id=user.pk, amount=1_000)
    assert admin_client.get("/admin/balances/balance/").status_code == 200
    assert admin_client.get("/admin/balances/ledgerentry/").status_code == 200
    assert admin_client.get("/admin/balances/balance/add/").status_code == 403
    assert admin_client.get("/admin/balances/ledgerentry/add/").status_code == 403
    assert admin_client.get(f"/admin/balances/ledgerentry/{entry.pk}/delete/").status_code == 403
    assert admin_client.get(f"/admin/balances/balance/{user.pk}/delete/").status_code == 403
    # the change page is a view page: posting to it changes nothing
    view = admin_client.get(f"/admin/balances/ledgerentry/{entry.pk}/change/")
    assert view.status_code == 200 and 'name="amount"' not in view.content.decode()
    admin_client.post(f"/admin/balances/ledgerentry/{entry.pk}/change/", {"amount": "999999"})
    admin_client.post(f"/admin/balances/balance/{user.pk}/change/", {"amount": "999999"})
    assert LedgerEntry.objects.get().amount == 1_000
    assert Balance.objects.get().amount == 1_000
    listing = admin_client.get("/admin/balances/balance/").content.decode()
    assert "delete_selected" not in listing and "adjust_balance" in listing


def test_adjust_action_goes_through_the_ledger(admin_client, user, other_user):
    balance_charge(user_id=user.pk, amount=1_000)
    balance_charge(user_id=other_user.pk, amount=300)
    selected = {"action": "adjust_balance", "_selected_action": [user.pk, other_user.pk]}

    form = admin_client.post("/admin/balances/balance/", selected)
    assert form.status_code == 200
    assert "사유" in form.content.decode() and "조정하기" in form.content.decode()

    response = admin_client.post(
        "/admin/balances/balance/",
        {**selected, "apply": "1", "amount": "-500", "reason": "이벤트 오지급 회수"},
        follow=True,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "현재 잔액 500원" in html
    assert "조정하지 못했습니다" in html  # 300원 cannot go down by 500원
    assert Balance.objects.get(user=user).amount == 500
    assert Balance.objects.get(user=other_user).amount == 300
    adjustment = LedgerEntry.objects.get(type="ADJUSTMENT")
    assert (adjustment.user_id, adjustment.amount, adjustment.reason) == (user.pk, -500, "이벤트 오지급 회수")
    assert adjustment.staff_user.is_staff


def test_adjust_action_needs_a_reason(admin_client, user):
    balance_charge(user_id=user.pk, amount=1_000)
    response = admin_client.post(
        "/admin/balances/balance/",
        {"action": "adjust_balance", "_selected_action": [user.pk], "apply": "1", "amount": "100", "reason": ""},
    )
    assert response.status_code == 200
    assert "조정 사유를 입력해 주세요." in response.content.decode()
    assert not LedgerEntry.objects.filter(type="ADJUSTMENT").exists()


def test_staff_without_the_permission_cannot_adjust(client, user):
    from django.contrib.auth.models import Permission

    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_balance"))
    client.force_login(viewer)
    balance_charge(user_id=user.pk, amount=1_000)
    listing = client.get("/admin/balances/balance/")
    assert listing.status_code == 200 and "adjust_balance" not in listing.content.decode()
    client.post(
        "/admin/balances/balance/",
        {"action": "adjust_balance", "_selected_action": [user.pk], "apply": "1", "amount": "100", "reason": "x"},
    )
    assert not LedgerEntry.objects.filter(type="ADJUSTMENT").exists()


def test_ledger_search_and_filter(admin_client, user):
    balance_charge(user_id=user.pk, amount=1_000)
    for query in ("?q=abc", f"?q={user.username}", "?q=12", "?type__exact=CHARGE"):
        response = admin_client.get(f"/admin/balances/ledgerentry/{query}")
        assert response.status_code == 200, query
    assert "1,000원" in admin_client.get(f"/admin/balances/ledgerentry/?q={user.username}").content.decode()
