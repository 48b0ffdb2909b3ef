import pytest
from django.contrib.messages import get_messages

from orders.models import Order
from tests.support.builders import balance_of, issue_coupon, make_address, make_drop, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(shopper):
    """The checkout ships only to an address (tests/orders/test_checkout_address.py)."""
    return make_address(shopper)


@pytest.fixture
def browser(client, shopper, home):
    client.force_login(shopper)
    return client


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def add(client, product, quantity=1):
    return client.post("/orders/cart/add/", {"product_id": product.pk, "quantity": quantity})


def test_cart_add_change_remove(browser):
    a = make_product(price=12_000, name="무선 이어폰")
    b = make_product(price=3_000, name="보조배터리")

    response = add(browser, a, 2)
    assert response.status_code == 302 and "장바구니에 담았습니다" in texts(response)[0]
    add(browser, b)
    add(browser, a, 1)
    page = browser.get("/orders/cart/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "무선 이어폰" in html and "보조배터리" in html and "39,000원" in html

    browser.post("/orders/cart/update/", {"product_id": a.pk, "quantity": 1})
    browser.post("/orders/cart/remove/", {"product_id": b.pk})
    html = browser.get("/orders/cart/").content.decode()
    assert "보조배터리" not in html and "12,000원" in html


@pytest.mark.parametrize(
    ("quantity", "message"), [("0", "1개 이상"), ("101", "100개 이하"), ("abc", "숫자로"), ("", "입력해")]
)
def test_cart_rejects_bad_quantities_in_korean(browser, quantity, message):
    product = make_product()
    response = browser.post("/orders/cart/add/", {"product_id": product.pk, "quantity": quantity})
    assert any(message in text for text in texts(response))
    assert browser.session.get("cart", {}) == {}


def test_cart_rejects_unknown_products(browser):
    response = browser.post("/orders/cart/add/", {"product_id": 999_999, "quantity": 1})
    assert "판매 중인 상품이 아닙니다." in texts(response)


def test_checkout_with_a_coupon_then_history_and_cancel(browser, shopper, home):
    product = make_product(price=20_000, stock=3, name="기계식 키보드")
    drop = make_drop(name="5천원 할인", discount_value=5_000)
    issue_coupon(shopper, drop)
    add(browser, product, 2)

    page = browser.get("/orders/checkout/")
    html = page.content.decode()
    assert "5천원 할인" in html and "35,000원" in html  # the discount previewed
    nonce = page.context["nonce"]

    response = browser.post("/orders/checkout/", {"coupon": drop.pk, "nonce": nonce, "address": home.pk})
    order = Order.objects.get(user=shopper)
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.pk}/complete/"
    assert (order.paid_amount, order.coupon_id) == (35_000, drop.pk)
    assert balance_of(shopper) == 65_000
    assert browser.session["cart"] == {}
    assert "주문이 완료되었습니다" in browser.get(response["Location"]).content.decode()

    resent = browser.post("/orders/checkout/", {"coupon": drop.pk, "nonce": nonce, "address": home.pk})
    assert resent.status_code == 302 and Order.objects.count() == 1

    assert f"#{order.pk}" in browser.get("/orders/").content.decode()
    detail = browser.get(f"/orders/{order.pk}/").content.decode()
    assert "주문 취소" in detail
    response = browser.post(f"/orders/{order.pk}/cancel/")
    assert response.status_code == 302 and "취소했습니다" in texts(response)[0]
    assert balance_of(shopper) == 100_000
    assert "취소됨" in browser.get(f"/orders/{order.pk}/").content.decode()


@pytest.mark.parametrize(
    ("price", "stock", "use_coupon", "message"),
    [
        (200_000, 5, False, "잔액 부족"),
        (1_000, 0, False, "재고 부족"),
        (1_000, 5, True, "유효하지 않은 쿠폰"),
    ],
)
def test_checkout_failures_are_told_in_korean(browser, shopper, home, price, stock, use_coupon, message):
    product = make_product(price=price, stock=max(stock, 1))
    add(browser, product)
    page = browser.get("/orders/checkout/")
    if not stock:
        type(product).objects.filter(pk=product.pk).update(stock=0)
    data = {"nonce": page.context["nonce"], "address": home.pk}
    if use_coupon:
        drop = make_drop(name="최소 금액 쿠폰", min_order_amount=50_000)
        issue_coupon(shopper, drop)
        # The form only offers usable coupons; post one that is not, as a stale page would.
        data["coupon"] = drop.pk
    response = browser.post("/orders/checkout/", data)
    assert response.status_code == 200
    assert any(message in text for text in texts(response)) or message in response.content.decode()
    assert Order.objects.count() == 0
    assert balance_of(shopper) == 100_000


def test_pages_need_login_and_hide_other_peoples_orders(client, browser, shopper, home, other_user, client_for):
    product = make_product()
    add(browser, product)
    browser.post("/orders/checkout/", {"nonce": browser.get("/orders/checkout/").context["nonce"], "address": home.pk})
    order = Order.objects.get(user=shopper)

    assert client.get("/orders/checkout/").status_code == 302
    client.force_login(other_user)
    assert client.get(f"/orders/{order.pk}/").status_code == 404
    assert client.post(f"/orders/{order.pk}/cancel/").status_code == 404
    assert Order.objects.get(pk=order.pk).status == "PAID"
