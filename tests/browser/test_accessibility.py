"""axe-core (npm, package.json) on every storefront page: no serious or critical violation.

Add a page by adding its path to STOREFRONT_PAGES (anonymous visitor) or SHOPPER_PAGES (logged-in
shopper). `{product}`, `{order}` in a path are filled from `shop_data` below, which gives every
page something to show: products, an open drop, a coupon held and one used, a paid order, ledger
rows. A path in CART_PAGES is visited with two products in the cart (added on the product page)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from balances.services import balance_charge
from coupons.services.drops import coupon_drop_create
from coupons.services.issue import coupon_issue
from orders.services import order_place
from products.services import product_create
from tests.browser.helpers import axe_violations, broken_aria_references, login

pytestmark = pytest.mark.browser

STOREFRONT_PAGES = [
    "/",
    "/accounts/login/",
    "/accounts/signup/",
    "/products/",
    "/products/?keyword=캠핑",
    "/products/?keyword=없는상품",
    "/products/{product}/",
    "/products/drops/",
    "/products/{drop}/",
    "/coupons/",
    "/orders/cart/",
]
SHOPPER_PAGES = [
    "/",
    "/products/{product}/",
    "/coupons/",
    "/coupons/mine/",
    "/balance/",
    "/orders/cart/",
    "/orders/checkout/",
    "/orders/{order}/complete/",
    "/orders/",
    "/orders/{order}/",
    "/addresses/",
    "/addresses/new/",
]
CART_PAGES = {"/orders/cart/", "/orders/checkout/"}


@pytest.fixture
def shop_data(transactional_db, shopper):
    chair = product_create(name="캠핑 의자", price=12_000, stock=5, description="접이식")
    product_create(name="캠핑 테이블", price=23_000, stock=0)  # sold out: the 품절 badge
    used = coupon_drop_create(
        name="첫 주문 2,000원", discount_type="FIXED", discount_value=2_000, total_quantity=5, valid_days=7
    )
    held = coupon_drop_create(
        name="캠핑 10%",
        discount_type="PERCENT",
        discount_value=10,
        max_discount_amount=3_000,
        min_order_amount=10_000,
        total_quantity=5,
        valid_days=7,
    )
    coupon_drop_create(
        name="아직 안 받은 쿠폰", discount_type="FIXED", discount_value=500, total_quantity=3, valid_days=1
    )
    balance_charge(user_id=shopper.pk, amount=100_000)
    coupon_issue(user_id=shopper.pk, coupon_id=used.pk)
    coupon_issue(user_id=shopper.pk, coupon_id=held.pk)
    order = order_place(user_id=shopper.pk, lines=[(chair.pk, 2)], coupon_id=used.pk)
    # Timed drops (the 타임딜 page): one live with a 정가 and a limit, one upcoming, one sold out.
    now = timezone.now()
    live = product_create(
        name="한정 텐트", price=9_000, list_price=15_000, stock=7, per_customer_limit=1, sale_starts_at=now
    )
    order_place(user_id=shopper.pk, lines=[(live.pk, 1)])  # its progress bar shows a sale
    product_create(
        name="오픈 예정 랜턴", price=15_000, list_price=20_000, stock=10, sale_starts_at=now + timedelta(hours=2)
    )
    product_create(name="품절 버너", price=30_000, stock=0, sale_starts_at=now - timedelta(hours=1))
    return {"product": chair.pk, "order": order.pk, "drop": live.pk}


def _fill_cart(page, product_id: int) -> None:
    page.goto(f"/products/{product_id}/")
    page.get_by_label("수량").fill("2")
    page.get_by_role("button", name="장바구니 담기").click()
    expect(page.locator("#cart-total")).to_have_text("24,000원")


def _assert_accessible(page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    violations = axe_violations(page)
    assert violations == [], f"axe found serious/critical violations on {path}: {violations}"
    assert broken_aria_references(page) == [], path


@pytest.mark.parametrize("path", STOREFRONT_PAGES)
def test_storefront_page_is_accessible(page, shop_data, path):
    if path in CART_PAGES:
        _fill_cart(page, shop_data["product"])
    _assert_accessible(page, path.format(**shop_data))


@pytest.mark.parametrize("path", SHOPPER_PAGES)
def test_shopper_page_is_accessible(page, shopper, shop_data, path):
    login(page, shopper.username)
    if path in CART_PAGES:
        _fill_cart(page, shop_data["product"])
    _assert_accessible(page, path.format(**shop_data))
    if path == "/orders/checkout/":  # the page really had a coupon to offer, named by its label
        expect(page.get_by_role("radio", name=re.compile("캠핑 10%"))).to_have_count(1)


def test_form_errors_are_accessible(page):
    """A refused signup shows field errors; the page must still pass."""
    page.goto("/accounts/signup/")
    page.get_by_label("아이디").fill("a")
    page.get_by_label("비밀번호", exact=True).fill("1")
    page.get_by_label("비밀번호 확인").fill("2")
    page.get_by_role("button", name="가입하기").click()
    page.locator(".field-error").first.wait_for()
    violations = axe_violations(page)
    assert violations == [], violations
    assert broken_aria_references(page) == []
    # the error text is what the invalid field is described by
    confirm = page.get_by_label("비밀번호 확인")
    assert confirm.get_attribute("aria-invalid") == "true"
    assert "id_password2_error" in confirm.get_attribute("aria-describedby").split()


def test_axe_is_not_blind(page, shop_data):
    """The pages above pass; the same check must fail on what it is meant to catch, planted into
    a real page: an unlabelled input, an image without alt text, grey-on-white text, a table of
    data cells under a header cell pointing at nothing."""
    page.goto("/products/{product}/".format(**shop_data))
    page.evaluate(
        """() => document.querySelector('main').insertAdjacentHTML('beforeend', `
            <input type="text" name="planted">
            <img src="/static/none.png">
            <p id="planted-grey">흐린 글씨</p>
            <table><tr><th id="h">머리</th></tr><tr><td headers="nowhere">값</td></tr></table>`)"""
    )
    # coloured through the CSSOM: a style="" attribute is inline style, which the CSP refuses
    page.evaluate(
        """() => Object.assign(document.getElementById('planted-grey').style, {color: '#bbb', background: '#fff'})"""
    )
    found = {v["id"] for v in axe_violations(page)}
    assert {"label", "image-alt", "color-contrast", "td-headers-attr"} <= found, found
