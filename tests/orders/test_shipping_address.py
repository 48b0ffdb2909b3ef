"""POST /api/orders and its delivery address: addressId, the default, none at all, someone else's;
the copy the order keeps; the events carrying it."""

import pytest

from addresses.services import address_delete, address_update
from dataplatform.models import OutboxEvent
from orders.models import Order
from tests.support.api import assert_problem
from tests.support.builders import issue_coupon, make_address, make_drop, make_product, snapshot

pytestmark = pytest.mark.django_db


def body(user, product, **extra):
    return {"userId": user.pk, "products": [{"productId": product.pk, "quantity": 1}], **extra}


def copy_of(entry) -> dict:
    return {
        "addressId": entry.pk,
        "recipient": entry.recipient,
        "phone": entry.phone,
        "postalCode": entry.postal_code,
        "address": entry.address,
        "addressDetail": entry.address_detail,
        "memo": entry.memo or None,
    }


def test_an_explicit_address_is_copied_into_the_order(client_for, shopper):
    product = make_product()
    make_address(shopper)
    office = make_address(shopper, recipient="김사과(회사)", postal_code="04524", memo="경비실에 맡겨 주세요")

    response = client_for(shopper).post("/api/orders", body(shopper, product, addressId=office.pk), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["shippingAddress"] == copy_of(office)
    assert response.json()["fulfilment"] == {
        "status": "NONE",
        "carrier": None,
        "trackingNumber": None,
        "shippedAt": None,
        "deliveredAt": None,
    }


@pytest.mark.parametrize("address_id", ["absent", None])
def test_without_an_address_id_the_default_is_used(client_for, shopper, address_id):
    product = make_product()
    default = make_address(shopper)
    make_address(shopper, recipient="다른 곳")
    extra = {} if address_id == "absent" else {"addressId": None}

    response = client_for(shopper).post("/api/orders", body(shopper, product, **extra), format="json")

    assert response.status_code == 201
    assert response.json()["shippingAddress"] == copy_of(default)


def test_with_no_address_at_all_the_seeds_body_still_places_an_order(client_for, shopper):
    product = make_product()
    response = client_for(shopper).post("/api/orders", body(shopper, product, couponId=None), format="json")
    assert response.status_code == 201
    assert response.json()["shippingAddress"] is None
    assert Order.objects.get().shipping_address is None


def test_someone_elses_or_an_unknown_address_is_not_found_and_nothing_is_written(client_for, shopper, other_user):
    product = make_product()
    theirs = make_address(other_user)
    make_address(shopper)
    before = snapshot(users=[shopper], products=[product])

    for address_id in (theirs.pk, 987654321):
        response = client_for(shopper).post("/api/orders", body(shopper, product, addressId=address_id), format="json")
        assert_problem(response, 404, "ADDRESS_NOT_FOUND", "배송지를 찾을 수 없음")

    assert snapshot(users=[shopper], products=[product]) == before


def test_address_not_found_comes_right_after_product_not_found(client_for, shopper, other_user):
    """INVALID_REQUEST → PRODUCT_NOT_FOUND → ADDRESS_NOT_FOUND → INVALID_COUPON → OUT_OF_STOCK."""
    sold_out = make_product(stock=0)
    theirs = make_address(other_user)
    drop = make_drop()  # not the shopper's: INVALID_COUPON
    client = client_for(shopper)

    def post(**payload):
        return client.post("/api/orders", {"userId": shopper.pk, **payload}, format="json")

    missing = [{"productId": 987654321, "quantity": 1}]
    assert_problem(post(products=missing, addressId=theirs.pk, couponId=drop.pk), 404, "PRODUCT_NOT_FOUND")
    lines = [{"productId": sold_out.pk, "quantity": 1}]
    assert_problem(post(products=lines, addressId=theirs.pk, couponId=drop.pk), 404, "ADDRESS_NOT_FOUND")
    assert_problem(post(products=lines, couponId=drop.pk), 409, "INVALID_COUPON")
    assert_problem(post(products=lines, addressId="7"), 400, "INVALID_REQUEST")


def test_the_orders_copy_does_not_change_when_the_address_book_does(client_for, shopper):
    product = make_product()
    entry = make_address(shopper)
    client = client_for(shopper)
    placed = client.post("/api/orders", body(shopper, product, addressId=entry.pk), format="json").json()

    address_update(user_id=shopper.pk, address_id=entry.pk, recipient="바뀐 이름", postal_code="99999")
    after_edit = client.get(f"/api/orders/{placed['orderId']}").json()
    address_delete(user_id=shopper.pk, address_id=entry.pk)
    after_delete = client.get(f"/api/orders/{placed['orderId']}").json()

    assert placed["shippingAddress"]["recipient"] == "김사과"
    assert after_edit["shippingAddress"] == after_delete["shippingAddress"] == placed["shippingAddress"]
    assert client.get("/api/orders").json()["items"][0]["shippingAddress"] == placed["shippingAddress"]


def test_the_events_carry_the_address_and_fulfilment(client_for, shopper):
    product = make_product()
    entry = make_address(shopper)
    drop = make_drop(discount_value=100)
    issue_coupon(shopper, drop)
    client = client_for(shopper)
    placed = client.post("/api/orders", body(shopper, product, couponId=drop.pk), format="json").json()
    cancelled = client.post(f"/api/orders/{placed['orderId']}/cancel").json()

    paid_event = OutboxEvent.objects.get(aggregate_id=placed["orderId"], event_type="order.paid")
    cancel_event = OutboxEvent.objects.get(aggregate_id=placed["orderId"], event_type="order.cancelled")
    assert paid_event.payload["order"] == placed
    assert cancel_event.payload["order"] == cancelled
    assert paid_event.payload["order"]["shippingAddress"] == copy_of(entry)
    assert cancel_event.payload["order"]["fulfilment"]["status"] == "NONE"
