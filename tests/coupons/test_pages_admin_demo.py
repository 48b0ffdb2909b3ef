from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_redis import get_redis_connection

from coupons.demo import DEMO_DROPS
from coupons.gate import remaining_key
from coupons.models import CouponDrop, UserCoupon
from tests.support.factories import CouponDropFactory, give_coupon

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(user):
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_coupon_page_lists_live_drops_with_remaining_and_button(browser):
    drop = CouponDropFactory(name="주말 특가 쿠폰", total_quantity=30)
    CouponDropFactory(
        name="지난 쿠폰",
        issue_starts_at=timezone.now() - timedelta(days=3),
        issue_ends_at=timezone.now() - timedelta(days=1),
    )
    page = browser.get("/coupons/").content.decode()
    assert "주말 특가 쿠폰" in page and "지난 쿠폰" not in page
    assert f'action="/coupons/{drop.pk}/issue/"' in page and "받기" in page
    assert '<strong class="remaining">30</strong>' in page


def test_anonymous_sees_the_page_and_a_login_link():
    CouponDropFactory(name="공개 쿠폰")
    page = Client().get("/coupons/").content.decode()
    assert "공개 쿠폰" in page and "로그인하고 받기" in page
    response = Client().post(f"/coupons/{CouponDrop.objects.get().pk}/issue/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not UserCoupon.objects.exists()


def test_issue_button_without_javascript_and_korean_answers(browser, user, other_user):
    drop = CouponDropFactory(name="한 장 쿠폰", total_quantity=2)
    response = browser.post(f"/coupons/{drop.pk}/issue/", follow=True)
    assert messages_of(response) == ["'한 장 쿠폰' 쿠폰을 받았습니다!"]
    assert UserCoupon.objects.filter(user=user, coupon=drop).exists()
    assert "받은 쿠폰" in response.content.decode()
    again = browser.post(f"/coupons/{drop.pk}/issue/", follow=True)
    assert messages_of(again) == ["이미 받은 쿠폰입니다. 내 쿠폰에서 확인하세요."]

    sold = CouponDropFactory(total_quantity=1)
    give_coupon(other_user, sold)
    CouponDrop.objects.filter(pk=sold.pk).update(issued_count=1)
    assert messages_of(browser.post(f"/coupons/{sold.pk}/issue/", follow=True)) == [
        "아쉽지만 쿠폰이 모두 소진되었습니다."
    ]

    later = CouponDropFactory(issue_starts_at=timezone.now() + timedelta(hours=2))
    [message] = messages_of(browser.post(f"/coupons/{later.pk}/issue/", follow=True))
    assert message.startswith("아직 발급 전입니다.")
    assert "발급 예정" in browser.get("/coupons/").content.decode()

    assert messages_of(browser.post("/coupons/987654321/issue/", follow=True)) == ["쿠폰을 찾을 수 없습니다."]
    assert browser.get(f"/coupons/{drop.pk}/issue/").status_code == 405


def test_my_coupons_lists_status(browser, user):
    give_coupon(user, CouponDropFactory(name="쓸 수 있는 쿠폰"))
    give_coupon(user, CouponDropFactory(name="지난 쿠폰"), days=-1)
    give_coupon(user, CouponDropFactory(name="쓴 쿠폰"), status="USED", used_at=timezone.now(), order_id=3)
    page = browser.get("/coupons/mine/").content.decode()
    for text in ("쓸 수 있는 쿠폰", "사용 가능", "지난 쿠폰", "기간 만료", "쓴 쿠폰", "사용 완료"):
        assert text in page


def test_my_coupons_needs_login():
    response = Client().get("/coupons/mine/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def admin_form(**overrides):
    now = timezone.localtime()
    data = {
        "name": "관리자 쿠폰",
        "discount_type": "FIXED",
        "discount_value": "2000",
        "total_quantity": "50",
        "issue_starts_at_0": now.strftime("%Y-%m-%d"),
        "issue_starts_at_1": now.strftime("%H:%M:%S"),
        "issue_ends_at_0": "",
        "issue_ends_at_1": "",
        "valid_days": "5",
        "max_discount_amount": "",
        "min_order_amount": "",
    }
    data.update(overrides)
    return data


def test_admin_creates_and_edits_a_drop_and_readies_the_gate(superuser_client, user):
    response = superuser_client.post("/admin/coupons/coupondrop/add/", admin_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    drop = CouponDrop.objects.get(name="관리자 쿠폰")
    redis = get_redis_connection("default")
    assert redis.get(remaining_key(drop.pk)) == b"50"

    give_coupon(user, drop)
    CouponDrop.objects.filter(pk=drop.pk).update(issued_count=1)
    response = superuser_client.post(f"/admin/coupons/coupondrop/{drop.pk}/change/", admin_form(total_quantity="60"))
    assert response.status_code == 302
    drop.refresh_from_db()
    assert (drop.total_quantity, drop.issued_count) == (60, 1)  # the counter is never written by the form
    assert redis.get(remaining_key(drop.pk)) == b"59"


def test_admin_rejects_invalid_drops(superuser_client):
    response = superuser_client.post(
        "/admin/coupons/coupondrop/add/", admin_form(discount_type="PERCENT", discount_value="150")
    )
    assert response.status_code == 200
    assert "정률 할인은 1~100 사이여야 합니다." in response.content.decode()
    assert not CouponDrop.objects.exists()


def test_admin_list_shows_database_and_redis_side_by_side_and_rebuilds(superuser_client, user):
    drop = CouponDropFactory(total_quantity=10)
    give_coupon(user, drop)
    CouponDrop.objects.filter(pk=drop.pk).update(issued_count=1)
    redis = get_redis_connection("default")
    redis.set(remaining_key(drop.pk), 4)
    page = superuser_client.get("/admin/coupons/coupondrop/").content.decode()
    assert "남은 수량 (DB)" in page and "남은 수량 (Redis)" in page
    assert '<td class="field-remaining_db">9</td>' in page and '<td class="field-remaining_redis">4</td>' in page

    response = superuser_client.post(
        "/admin/coupons/coupondrop/", {"action": "rebuild_gate", "_selected_action": [drop.pk]}, follow=True
    )
    assert response.status_code == 200
    assert redis.get(remaining_key(drop.pk)) == b"9"


def test_admin_user_coupons_are_read_only(superuser_client, user):
    held = give_coupon(user, CouponDropFactory())
    assert superuser_client.get("/admin/coupons/usercoupon/").status_code == 200
    assert superuser_client.get(f"/admin/coupons/usercoupon/{held.pk}/change/").status_code == 200  # view only
    assert superuser_client.get("/admin/coupons/usercoupon/add/").status_code == 403
    response = superuser_client.post(f"/admin/coupons/usercoupon/{held.pk}/change/", {"status": "USED"})
    assert response.status_code == 403


def test_demo_loader_is_idempotent():
    call_command("load_demo", any_database=True)
    call_command("load_demo", any_database=True)
    names = set(CouponDrop.objects.values_list("name", flat=True))
    assert names == {d["name"] for d in DEMO_DROPS}
    assert get_redis_connection("default").get(remaining_key(CouponDrop.objects.order_by("pk").first().pk)) is not None
