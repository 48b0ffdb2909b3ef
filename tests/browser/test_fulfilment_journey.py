"""Where the apples go, in real headless Chromium: a shopper adds a delivery address, buys, staff
ship the order from the admin (발송 처리: carrier and tracking number), and the shopper sees the
tracking number and no cancel button any more. The database is checked at the end."""

import re

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from balances.services import balance_charge
from dataplatform.models import OutboxEvent
from orders.models import Order
from products.services import product_create
from tests.browser.helpers import PASSWORD, login

pytestmark = pytest.mark.browser


def test_add_an_address_buy_staff_ship_it_shopper_sees_the_tracking_number(
    page, browser, live_server, shopper, staff_user
):
    apples = product_create(name="부사 사과 3kg", price=19_900, stock=10)
    balance_charge(user_id=shopper.pk, amount=50_000)
    staff_user.user_permissions.add(*Permission.objects.filter(codename__in=["view_order", "change_order"]))

    # 1. the shopper keeps an address in the address book
    login(page, shopper.username)
    page.locator(".account-nav").get_by_role("link", name="배송지").click()
    expect(page.get_by_role("heading", name="배송지 관리")).to_be_visible()
    page.get_by_role("link", name="새 배송지 추가").click()
    page.get_by_label("받는 분").fill("김사과")
    page.get_by_label("연락처").fill("010-1234-5678")
    page.get_by_label("우편번호").fill("0623")  # one digit short: told, in Korean
    page.get_by_label("주소", exact=True).fill("서울특별시 강남구 테헤란로 152")
    page.get_by_label("상세주소").fill("12층")
    page.get_by_label("배송 메모").fill("문 앞에 놓아 주세요")
    page.get_by_role("button", name="저장").click()
    expect(page.get_by_role("alert")).to_contain_text("우편번호는 숫자 5자리로 입력해 주세요.")
    page.get_by_label("우편번호").fill("06236")
    page.get_by_role("button", name="저장").click()
    expect(page.locator(".messages")).to_contain_text("저장했습니다")
    expect(page.locator(".address-card")).to_contain_text("(06236) 서울특별시 강남구 테헤란로 152 12층")
    expect(page.locator(".address-card")).to_contain_text("기본 배송지")

    # 2. buy: the checkout has the default address chosen
    page.goto(f"/products/{apples.pk}/")
    page.get_by_label("수량").fill("2")
    page.get_by_role("button", name="장바구니 담기").click()
    page.get_by_role("link", name="주문하기").click()
    expect(page.get_by_role("radio", name=re.compile("김사과"))).to_be_checked()
    page.get_by_role("button", name="결제하기").click()
    expect(page).to_have_url(re.compile(r"/orders/\d+/complete/$"))
    order = Order.objects.get(user_id=shopper.pk)
    page.goto(f"/orders/{order.pk}/")
    expect(page.get_by_test_id("fulfilment-progress").locator("[aria-current=step]")).to_have_text("결제 완료")
    expect(page.get_by_role("button", name="주문 취소")).to_be_visible()

    # 3. staff ship it from the admin: select, 발송 처리, carrier and tracking number
    staff = browser.new_context(base_url=live_server.url, locale="ko-KR", timezone_id="Asia/Seoul").new_page()
    staff.goto("/admin/")
    staff.locator("#id_username").fill(staff_user.username)
    staff.get_by_label("비밀번호").fill(PASSWORD)
    staff.get_by_role("button", name="로그인").click()
    expect(staff.get_by_role("heading", name="운영 관리")).to_be_visible()
    staff.goto("/admin/orders/order/?fulfilment_status__exact=NONE")
    staff.locator(f"input[name=_selected_action][value='{order.pk}']").check()
    staff.locator("select[name=action]").select_option(label="발송 처리 (택배사·송장번호 입력)")
    staff.get_by_role("button", name="실행").click()
    expect(staff.get_by_role("heading", name="발송 처리")).to_be_visible()
    expect(staff.locator("main, #content").first).to_contain_text("김사과")
    staff.get_by_label(f"주문 #{order.pk} 택배사").fill("CJ대한통운")
    staff.get_by_label(f"주문 #{order.pk} 송장번호").fill("6543-2109-8765")
    staff.get_by_role("button", name="발송 처리").click()
    expect(staff.locator(".messagelist")).to_contain_text("1건의 주문을 발송 처리했습니다.")
    staff.context.close()

    # 4. the shopper sees the tracking number, and no cancel button any more
    page.reload()
    expect(page.get_by_test_id("fulfilment-progress").locator("[aria-current=step]")).to_have_text("배송중")
    expect(page.get_by_test_id("tracking")).to_contain_text("CJ대한통운 송장번호 6543-2109-8765")
    expect(page.get_by_role("button", name="주문 취소")).to_have_count(0)
    expect(page.get_by_text("이미 발송된 주문이라 취소할 수 없습니다.")).to_be_visible()
    expect(page.locator("address")).to_contain_text("문 앞에 놓아 주세요")

    order.refresh_from_db()
    assert (order.status, order.fulfilment_status, order.carrier, order.tracking_number) == (
        "PAID",
        "SHIPPED",
        "CJ대한통운",
        "6543-2109-8765",
    )
    assert order.shipping_address["postalCode"] == "06236"
    event = OutboxEvent.objects.get(aggregate_id=order.pk, event_type="order.fulfilment")
    assert event.payload["order"]["fulfilment"]["trackingNumber"] == "6543-2109-8765"
    assert event.payload["order"]["shippingAddress"]["recipient"] == "김사과"
