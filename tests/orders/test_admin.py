import pytest

from orders.models import Order
from orders.services import order_place
from tests.support.builders import balance_of, make_product

pytestmark = pytest.mark.django_db


def test_staff_sees_orders_read_only_and_cancels_through_the_service(client, staff, shopper):
    staff.is_superuser = True
    staff.save()
    product = make_product(price=2_000, stock=5, name="텀블러")
    order = order_place(user_id=shopper.pk, lines=[(product.pk, 2)])
    client.force_login(staff)

    listing = client.get("/admin/orders/order/?status__exact=PAID&q=" + shopper.username)
    assert listing.status_code == 200 and f"주문 #{order.pk}" in listing.content.decode()
    detail = client.get(f"/admin/orders/order/{order.pk}/change/")
    assert detail.status_code == 200 and "텀블러" in detail.content.decode()
    assert client.get("/admin/orders/order/add/").status_code == 403

    response = client.post(
        "/admin/orders/order/", {"action": "cancel_orders", "_selected_action": [order.pk]}, follow=True
    )
    assert response.status_code == 200
    assert Order.objects.get(pk=order.pk).status == "CANCELLED"
    assert balance_of(shopper) == 100_000
    product.refresh_from_db()
    assert product.stock == 5
