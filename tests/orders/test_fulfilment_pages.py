"""The storefront's checkout asks for an address; the order page shows the address, the progress
line, the tracking number, and the cancel button only while a cancel is allowed. The admin moves
orders forward through the service (발송 처리 asks carrier and tracking number per order)."""

import pytest
from django.contrib.messages import get_messages

from dataplatform.models import OutboxEvent
from orders.fulfilment import fulfilment_advance
from orders.models import Order
from orders.services import order_cancel, order_place
from tests.support.builders import balance_of, make_address, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client, shopper):
    client.force_login(shopper)
    return client


@pytest.fixture
def admin_client(client, staff):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    return client


def _checkout(browser, product, **data):
    browser.post("/orders/cart/add/", {"product_id": product.pk, "quantity": 1})
    page = browser.get("/orders/checkout/")
    return page, browser.post("/orders/checkout/", {"nonce": page.context["nonce"], **data})


def test_the_checkout_refuses_to_continue_without_an_address(browser, shopper):
    product = make_product(price=5_000)

    page, response = _checkout(browser, product)

    html = page.content.decode()
    assert "저장된 배송지가 없습니다" in html and "새 배송지 추가" in html and 'action="/addresses/new/"' in html
    assert response.status_code == 200
    assert "배송지를 선택해 주세요" in response.content.decode()
    assert Order.objects.count() == 0 and balance_of(shopper) == 100_000
    assert browser.session["cart"] == {str(product.pk): 1}


def test_the_checkout_refuses_someone_elses_address(browser, shopper, other_user):
    make_address(shopper)
    theirs = make_address(other_user)
    _, response = _checkout(browser, make_product(), address=theirs.pk)
    assert "배송지를 찾을 수 없습니다" in response.content.decode()
    assert Order.objects.count() == 0


def test_an_address_added_in_place_is_chosen_and_copied_into_the_order(browser, shopper):
    product = make_product(price=5_000)
    browser.post("/orders/cart/add/", {"product_id": product.pk, "quantity": 1})
    added = browser.post(
        "/addresses/new/",
        {
            "recipient": "김사과",
            "phone": "010-1234-5678",
            "postal_code": "06236",
            "address": "서울특별시 강남구 테헤란로 152",
            "address_detail": "",
            "memo": "",
            "next": "/orders/checkout/",
        },
    )
    assert added["Location"] == "/orders/checkout/"
    page = browser.get("/orders/checkout/")
    entry = shopper.addresses.get()
    assert page.context["chosen_address"] == str(entry.pk)  # the default, checked

    response = browser.post("/orders/checkout/", {"nonce": page.context["nonce"], "address": entry.pk})

    order = Order.objects.get()
    assert response["Location"] == f"/orders/{order.pk}/complete/"
    assert order.shipping_address["recipient"] == "김사과" and order.shipping_address["addressDetail"] == ""


def test_the_order_page_follows_the_fulfilment(browser, shopper):
    make_address(shopper, memo="문 앞에 놓아 주세요")
    order = order_place(user_id=shopper.pk, lines=[(make_product().pk, 1)])
    url = f"/orders/{order.pk}/"

    fresh = browser.get(url).content.decode()
    assert "테헤란로 152" in fresh and "문 앞에 놓아 주세요" in fresh
    assert 'aria-current="step">결제 완료' in fresh and "주문 취소" in fresh

    fulfilment_advance(order_id=order.pk, status="PREPARING")
    assert 'aria-current="step">상품 준비중' in browser.get(url).content.decode()
    assert "주문 취소" in browser.get(url).content.decode()

    fulfilment_advance(order_id=order.pk, status="SHIPPED", carrier="CJ대한통운", tracking_number="555566667777")
    shipped = browser.get(url).content.decode()
    assert 'aria-current="step">배송중' in shipped
    assert "CJ대한통운 송장번호 <strong>555566667777</strong>" in shipped
    assert "주문 취소</button>" not in shipped and "취소할 수 없습니다" in shipped
    assert "배송중" in browser.get("/orders/").content.decode()

    # a stale page's cancel button, posted anyway: refused, told, nothing refunded
    response = browser.post(f"/orders/{order.pk}/cancel/")
    assert response.status_code == 302
    assert "취소할 수 없습니다" in str(list(get_messages(response.wsgi_request))[0])
    assert Order.objects.get(pk=order.pk).status == "PAID"
    assert balance_of(shopper) == 100_000 - 1_000

    fulfilment_advance(order_id=order.pk, status="DELIVERED")
    assert 'aria-current="step">배송 완료' in browser.get(url).content.decode()


def test_a_cancelled_order_page_shows_no_progress_and_no_button(browser, shopper):
    order = order_place(user_id=shopper.pk, lines=[(make_product().pk, 1)])
    order_cancel(order_id=order.pk, actor=shopper)
    html = browser.get(f"/orders/{order.pk}/").content.decode()
    assert "취소됨" in html and "배송 현황" not in html and "주문 취소</button>" not in html
    assert "배송지 없이 접수된 주문입니다" in html


def test_admin_filters_by_fulfilment_and_shows_the_address(admin_client, shopper):
    make_address(shopper)
    waiting = order_place(user_id=shopper.pk, lines=[(make_product(name="대기 상품").pk, 1)])
    sent = order_place(user_id=shopper.pk, lines=[(make_product(name="보낸 상품").pk, 1)])
    fulfilment_advance(order_id=sent.pk, status="SHIPPED", carrier="한진택배", tracking_number="123412341234")

    listing = admin_client.get("/admin/orders/order/?fulfilment_status__exact=SHIPPED").content.decode()
    assert f"주문 #{sent.pk}" in listing and f"주문 #{waiting.pk}" not in listing
    detail = admin_client.get(f"/admin/orders/order/{sent.pk}/change/").content.decode()
    assert "김사과 · 010-1234-5678 · (06236) 서울특별시 강남구 테헤란로 152" in detail and "123412341234" in detail


def test_admin_ships_several_orders_through_a_form_asking_carrier_and_tracking_number(admin_client, shopper):
    make_address(shopper)
    orders = [order_place(user_id=shopper.pk, lines=[(make_product().pk, 1)]) for _ in range(3)]
    cancelled = order_place(user_id=shopper.pk, lines=[(make_product().pk, 1)])
    order_cancel(order_id=cancelled.pk, actor=shopper)
    fulfilment_advance(order_id=orders[0].pk, status="PREPARING")
    selected = [o.pk for o in orders] + [cancelled.pk]

    form = admin_client.post("/admin/orders/order/", {"action": "ship_orders", "_selected_action": selected})

    html = form.content.decode()
    assert form.status_code == 200 and "발송 처리" in html and "CJ대한통운" in html
    assert [row[1].pk for row in form.context["rows"]] == [o.pk for o in orders]  # not the cancelled one
    assert f"#{cancelled.pk}" in str([str(m) for m in get_messages(form.wsgi_request)])
    assert OutboxEvent.objects.filter(event_type="order.fulfilment").count() == 1  # nothing shipped yet

    data = {
        "action": "ship_orders",
        "apply": "1",
        "_selected_action": selected,
        "ship-TOTAL_FORMS": "3",
        "ship-INITIAL_FORMS": "3",
    }
    for i, order in enumerate(orders):
        data |= {
            f"ship-{i}-order_id": order.pk,
            f"ship-{i}-carrier": "CJ대한통운",
            f"ship-{i}-tracking_number": f"60000000000{i}",
        }
    bad = admin_client.post("/admin/orders/order/", {**data, "ship-2-tracking_number": "#"})
    assert bad.status_code == 200 and "송장번호는 영문, 숫자, 하이픈(-)으로 4~40자입니다." in bad.content.decode()
    assert not Order.objects.filter(fulfilment_status="SHIPPED").exists()

    done = admin_client.post("/admin/orders/order/", data, follow=True)

    assert "3건의 주문을 발송 처리했습니다." in done.content.decode()
    shipped = Order.objects.filter(pk__in=[o.pk for o in orders]).order_by("id")
    assert [(o.fulfilment_status, o.carrier, o.tracking_number) for o in shipped] == [
        ("SHIPPED", "CJ대한통운", f"60000000000{i}") for i in range(3)
    ]
    assert Order.objects.get(pk=cancelled.pk).fulfilment_status == "NONE"
    events = OutboxEvent.objects.filter(event_type="order.fulfilment", payload__order__fulfilment__status="SHIPPED")
    assert sorted(events.values_list("aggregate_id", flat=True)) == [o.pk for o in orders]


def test_admin_marks_preparing_and_delivered(admin_client, shopper):
    order = order_place(user_id=shopper.pk, lines=[(make_product().pk, 1)])
    admin_client.post("/admin/orders/order/", {"action": "mark_preparing", "_selected_action": [order.pk]})
    assert Order.objects.get(pk=order.pk).fulfilment_status == "PREPARING"

    refused = admin_client.post(
        "/admin/orders/order/", {"action": "mark_delivered", "_selected_action": [order.pk]}, follow=True
    )
    assert "건너뛰었습니다" in refused.content.decode()
    assert Order.objects.get(pk=order.pk).fulfilment_status == "PREPARING"

    fulfilment_advance(order_id=order.pk, status="SHIPPED", carrier="로젠택배", tracking_number="98765432100")
    admin_client.post("/admin/orders/order/", {"action": "mark_delivered", "_selected_action": [order.pk]})
    assert Order.objects.get(pk=order.pk).fulfilment_status == "DELIVERED"


def test_staff_without_the_change_permission_cannot_ship(client, staff, shopper):
    order = order_place(user_id=shopper.pk, lines=[(make_product().pk, 1)])
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(staff)
    response = client.post("/admin/orders/order/", {"action": "mark_preparing", "_selected_action": [order.pk]})
    assert response.status_code in (200, 302)
    assert Order.objects.get(pk=order.pk).fulfilment_status == "NONE"
