"""A timed drop in real Chromium: the countdown reaches zero, the button becomes usable without a
reload, one unit is bought, and a second try is refused with the limit's Korean message."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from balances.services import balance_charge
from orders.models import Order
from products.services import product_create
from tests.browser.helpers import login
from tests.support.builders import make_address

pytestmark = pytest.mark.browser


def test_a_shopper_watches_the_drop_open_buys_one_and_hits_the_limit(page, shopper):
    balance_charge(user_id=shopper.pk, amount=100_000)
    make_address(shopper)  # the checkout ships only to an address (the default is preselected)
    login(page, shopper.username)
    # Opens a few seconds after the page is shown: long enough to see the countdown, short enough
    # for a test (the wait below is for the page to change, not a timing assertion).
    drop = product_create(
        name="번개 타임딜 운동화",
        price=39_000,
        list_price=78_000,
        stock=5,
        per_customer_limit=1,
        sale_starts_at=timezone.now() + timedelta(seconds=6),
    )

    page.goto("/products/drops/")
    card = page.locator("[data-drop]", has_text="번개 타임딜 운동화")
    buy = card.get_by_role("button", name="바로 구매")
    expect(card).to_contain_text("오픈 예정")
    expect(card).to_contain_text("1인 1개")
    expect(card).to_contain_text("50%")
    expect(buy).to_be_disabled()
    expect(card.locator(".countdown")).to_contain_text("오픈까지 00:00:0")

    expect(buy).to_be_enabled(timeout=20_000)  # the script enables it at the start
    expect(card.locator(".countdown")).to_contain_text("지금 오픈")
    expect(card).to_contain_text("타임딜 진행 중")
    buy.click()

    expect(page.get_by_role("heading", name="주문서")).to_be_visible()
    page.get_by_role("button", name="결제하기").click()
    expect(page.get_by_role("heading", name="주문이 완료되었습니다")).to_be_visible()
    assert Order.objects.filter(user=shopper, lines__product=drop).count() == 1

    page.goto("/products/drops/")
    page.locator("[data-drop]", has_text="번개 타임딜 운동화").get_by_role("button", name="바로 구매").click()
    page.get_by_role("button", name="결제하기").click()
    expect(page.get_by_role("status")).to_contain_text("구매 한도 초과")
    assert Order.objects.filter(user=shopper, lines__product=drop).count() == 1
    drop.refresh_from_db()
    assert drop.stock == 4
