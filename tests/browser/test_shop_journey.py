"""The whole shop, in real headless Chromium against the live server: a shopper from signup to a
refunded order, and a staff member from the admin's add forms to the storefront.

Every step is what a person does (labels, roles, visible Korean text); every outcome the person
would look at is an `expect`. At the end the database is checked too, so a page that merely *says*
the right thing cannot pass for one that did it."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from balances.models import LedgerEntry
from balances.selectors import balance_get
from coupons.models import CouponDrop, UserCoupon
from coupons.services.drops import coupon_drop_create
from dataplatform.models import OutboxEvent
from orders.models import Order
from products.models import Product
from products.services import product_create
from tests.support.factories import PASSWORD

pytestmark = pytest.mark.browser
User = get_user_model()


def _message(page):
    return page.locator(".messages")


def _menu(page, name: str) -> None:
    page.get_by_role("navigation", name="주요 메뉴").get_by_role("link", name=name, exact=True).click()


def _search(page, keyword: str, found: int) -> None:
    _menu(page, "상품")
    page.get_by_role("searchbox", name="상품 검색").fill(keyword)
    page.get_by_role("button", name="검색").click()
    expect(page.get_by_text(f"‘{keyword}’ 검색 결과 총 {found}개")).to_be_visible()


def _add_to_cart(page, name: str, quantity: int) -> None:
    """From the search results: open the product page, set the quantity, put it in the cart."""
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    page.get_by_label("수량").fill(str(quantity))
    page.get_by_role("button", name="장바구니 담기").click()
    expect(page).to_have_url(re.compile(r"/orders/cart/$"))
    expect(_message(page)).to_contain_text(f"{name}을(를) 장바구니에 담았습니다.")


def test_shopper_signs_up_charges_grabs_a_coupon_buys_and_cancels(page, transactional_db):
    chair = product_create(name="캠핑 의자", price=12_000, stock=5, description="접이식, 120kg까지")
    table = product_create(name="캠핑 테이블", price=23_000, stock=3)
    sneakers = product_create(name="한정판 운동화", price=129_000, stock=10)
    drop = coupon_drop_create(
        name="가을 캠핑 5,000원 할인",
        discount_type="FIXED",
        discount_value=5_000,
        total_quantity=10,
        valid_days=7,
        min_order_amount=30_000,
    )

    # 1. sign up
    page.goto("/")
    page.get_by_role("banner").get_by_role("link", name="회원가입").click()
    page.get_by_label("아이디").fill("camper.kim")
    page.get_by_label("비밀번호", exact=True).fill("flash-Sale-2026!")
    page.get_by_label("비밀번호 확인").fill("flash-Sale-2026!")
    page.get_by_role("button", name="가입하기").click()
    expect(page.get_by_role("status")).to_contain_text("camper.kim님, 환영합니다!")
    shopper = User.objects.get(username="camper.kim")

    # 2. charge 50,000원
    _menu(page, "잔액")
    expect(page.get_by_test_id("balance-amount")).to_have_text("0원")
    page.get_by_label("충전 금액(원)").fill("50,000")
    page.get_by_role("button", name="충전하기").click()
    expect(page.get_by_role("status")).to_contain_text("50,000원을 충전했습니다. 현재 잔액은 50,000원입니다.")
    expect(page.get_by_test_id("balance-amount")).to_have_text("50,000원")

    # 3. grab the coupon drop
    _menu(page, "쿠폰")
    card = page.locator(f'[data-coupon-id="{drop.pk}"]')
    expect(card).to_contain_text("남은 수량 10 / 10장")
    expect(card).to_contain_text("30,000원 이상 주문 시")
    card.get_by_role("button", name="받기").click()
    expect(page.get_by_role("status")).to_contain_text("'가을 캠핑 5,000원 할인' 쿠폰을 받았습니다!")
    expect(card.locator(".badge")).to_have_text("받은 쿠폰")
    expect(card).to_contain_text("남은 수량 9 / 10장")
    expect(card.get_by_role("button", name="받기")).to_have_count(0)

    # 4. search, and put two products in the cart from their own pages
    _search(page, "캠핑", found=2)
    expect(page).to_have_url(re.compile(r"/products/\?keyword=%EC%BA%A0%ED%95%91$"))
    expect(page.get_by_role("link", name="한정판 운동화")).to_have_count(0)
    _add_to_cart(page, "캠핑 의자", 2)
    _search(page, "캠핑", found=2)
    _add_to_cart(page, "캠핑 테이블", 1)

    expect(page.locator("#cart-total")).to_have_text("47,000원")  # 2 × 12,000 + 23,000
    rows = page.locator("table.table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="캠핑 의자")).to_contain_text("24,000원")
    expect(page.get_by_label("캠핑 의자 수량")).to_have_value("2")

    # 5. check out with the coupon: the discount is previewed before paying; first an address,
    # added in place (the checkout ships only to one)
    page.get_by_role("link", name="주문하기").click()
    expect(page.get_by_role("heading", name="주문서")).to_be_visible()
    expect(page.get_by_text("저장된 배송지가 없습니다.")).to_be_visible()
    page.get_by_label("받는 분").fill("김캠핑")
    page.get_by_label("연락처").fill("010-2345-6789")
    page.get_by_label("우편번호").fill("04524")
    page.get_by_label("주소", exact=True).fill("서울특별시 중구 세종대로 110")
    page.get_by_role("button", name="배송지 저장").click()
    expect(page.get_by_role("heading", name="주문서")).to_be_visible()
    expect(page.get_by_role("radio", name=re.compile("김캠핑"))).to_be_checked()
    expect(page.get_by_text("현재 잔액: 50,000원")).to_be_visible()
    coupon = page.get_by_role("radio", name=re.compile("가을 캠핑 5,000원 할인"))
    expect(page.locator("label", has=coupon)).to_contain_text("5,000원 할인, 결제 금액 42,000원")
    expect(page.get_by_role("radio", name=re.compile("사용 안 함"))).to_be_checked()
    coupon.check()
    page.get_by_role("button", name="결제하기").click()

    # 6. the order is complete, and paid from the balance
    expect(page).to_have_url(re.compile(r"/orders/\d+/complete/$"))
    expect(page.get_by_role("heading", name="주문이 완료되었습니다")).to_be_visible()
    order = Order.objects.get(user_id=shopper.pk)
    expect(page.locator("main")).to_contain_text(
        f"주문 번호 #{order.pk} · 결제 금액 42,000원이 잔액에서 결제되었습니다."
    )
    totals = page.locator("tfoot")
    expect(totals.get_by_role("row", name="상품 합계")).to_contain_text("47,000원")
    expect(totals.get_by_role("row", name="쿠폰 할인")).to_contain_text("-5,000원")
    expect(totals.get_by_role("row", name="결제 금액")).to_contain_text("42,000원")

    _menu(page, "잔액")
    expect(page.get_by_test_id("balance-amount")).to_have_text("8,000원")
    payment = page.locator("table.table tbody tr").first
    expect(payment).to_contain_text("결제")
    expect(payment).to_contain_text("-42,000원")
    expect(payment).to_contain_text(f"주문 #{order.pk}")

    page.goto("/coupons/mine/")
    expect(page.locator('[data-user-coupon-id] >> text="사용 완료"')).to_be_visible()

    # 7. find the order in the history and cancel it on its detail page
    _menu(page, "주문내역")
    listed = page.locator("table.table tbody tr")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("캠핑 의자 외 1건")
    expect(listed).to_contain_text("42,000원")
    expect(listed).to_contain_text("결제 완료")
    listed.get_by_role("link", name=f"#{order.pk}").click()
    expect(page.get_by_role("heading", name=f"주문 #{order.pk}")).to_be_visible()
    page.get_by_role("button", name="주문 취소").click()

    expect(page.get_by_role("status")).to_contain_text(f"주문 #{order.pk}을(를) 취소했습니다.")
    expect(page.locator(".badge-off")).to_have_text("취소됨")
    expect(page.locator("main")).to_contain_text("42,000원 환불")
    expect(page.get_by_role("button", name="주문 취소")).to_have_count(0)

    # 8. the refund is on the balance page: back to 50,000원, the ledger shows 환불
    _menu(page, "잔액")
    expect(page.get_by_test_id("balance-amount")).to_have_text("50,000원")
    refund = page.locator("table.table tbody tr").first
    expect(refund).to_contain_text("환불")
    expect(refund).to_contain_text("+42,000원")
    expect(refund).to_contain_text("50,000원")
    expect(page.get_by_text("이용 내역 (3건)")).to_be_visible()
    page.goto("/coupons/mine/")
    expect(page.locator('[data-user-coupon-id] >> text="사용 가능"')).to_be_visible()

    # 9. and the database agrees with every page
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert (order.total_amount, order.discount_amount, order.paid_amount) == (47_000, 5_000, 42_000)
    assert sorted(order.lines.values_list("product_id", "quantity", "unit_price")) == [
        (chair.pk, 2, 12_000),
        (table.pk, 1, 23_000),
    ]
    assert {p.pk: p.stock for p in Product.objects.all()} == {chair.pk: 5, table.pk: 3, sneakers.pk: 10}
    held = UserCoupon.objects.get(user=shopper)
    assert (held.coupon_id, held.status, held.used_at) == (drop.pk, "AVAILABLE", None)
    assert CouponDrop.objects.get(pk=drop.pk).issued_count == 1
    assert balance_get(user_id=shopper.pk).amount == 50_000
    ledger = list(LedgerEntry.objects.filter(user_id=shopper.pk).order_by("id").values_list("type", "amount"))
    assert ledger == [("CHARGE", 50_000), ("PAYMENT", -42_000), ("REFUND", 42_000)]
    assert sorted(OutboxEvent.objects.filter(aggregate_id=order.pk).values_list("event_type", flat=True)) == [
        "order.cancelled",
        "order.paid",
    ]


def test_staff_adds_a_product_and_a_coupon_drop_in_the_admin_and_finds_them_in_the_shop(page, staff_user):
    staff_user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["products", "coupons"],
            codename__in=["view_product", "add_product", "change_product", "view_coupondrop", "add_coupondrop"],
        )
    )

    page.goto("/admin/")
    page.locator("#id_username").fill(staff_user.username)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    expect(page.get_by_role("heading", name="운영 관리")).to_be_visible()

    # a product through the admin's add form
    page.goto("/admin/products/product/add/")
    page.get_by_label("상품명").fill("겨울 한정 패딩 조끼")
    page.get_by_label("설명").fill("선착순 30벌")
    page.get_by_label("가격(원)").fill("59000")
    page.get_by_label("재고").fill("30")
    expect(page.get_by_label("판매 중")).to_be_checked()
    page.get_by_role("button", name="저장", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("겨울 한정 패딩 조끼")
    product = Product.objects.get(name="겨울 한정 패딩 조끼")
    assert (product.price, product.stock, product.active, product.description) == (59_000, 30, True, "선착순 30벌")

    # a coupon drop through the admin's add form (issue window: today now → open until sold out)
    page.goto("/admin/coupons/coupondrop/add/")
    page.get_by_label("이름").fill("패딩 10% 할인")
    page.get_by_label("할인 방식").select_option("PERCENT")
    page.get_by_label("할인 값").fill("10")
    page.get_by_label("최대 할인 금액").fill("5000")
    page.get_by_label("총 수량").fill("50")
    page.get_by_label("유효 기간(일)").fill("3")
    start = page.locator(".field-issue_starts_at")
    start.get_by_role("link", name="오늘").click()
    start.get_by_role("link", name="현재").click()
    page.get_by_role("button", name="저장", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("패딩 10% 할인")
    drop = CouponDrop.objects.get(name="패딩 10% 할인")
    assert (drop.discount_type, drop.discount_value, drop.max_discount_amount, drop.total_quantity) == (
        "PERCENT",
        10,
        5_000,
        50,
    )

    # both are on the storefront for anyone
    page.goto("/")
    _search(page, "패딩", found=1)
    page.get_by_role("link", name="겨울 한정 패딩 조끼").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("겨울 한정 패딩 조끼")
    expect(page.locator(".product-detail")).to_contain_text("59,000원")
    expect(page.locator(".product-detail")).to_contain_text("재고 30개")

    page.goto("/coupons/")
    card = page.locator(f'[data-coupon-id="{drop.pk}"]')
    expect(card.get_by_role("heading", name="패딩 10% 할인")).to_be_visible()
    expect(card).to_contain_text("10% 할인 (최대 5,000원)")
    expect(card).to_contain_text("남은 수량 50 / 50장")
    expect(card.get_by_role("button", name="받기")).to_be_visible()
