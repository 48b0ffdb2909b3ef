"""The waiting page (server-rendered): join, wait with the place shown, admitted with a buy
button, and the closing states; the checkout spends the session's ticket."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_redis import get_redis_connection

from orders.models import Order
from tests.support.builders import fund, make_address
from tests.support.factories import ProductFactory, UserFactory
from waiting_room import line
from waiting_room.services import queue_admit

pytestmark = pytest.mark.django_db(transaction=True)


def _admit(product) -> None:
    product.refresh_from_db()
    queue_admit(product=product)
    get_redis_connection("default").hset(line.prefix(product.pk) + "state", "last_tick", 0)
    queue_admit(product=product)


def test_join_wait_get_admitted_and_buy_through_the_checkout(client):
    drop = ProductFactory(
        stock=3,
        price=1_000,
        sale_starts_at=timezone.now() - timedelta(minutes=1),
        waiting_room=True,
        admit_per_second=1,
    )
    first, me = UserFactory(), UserFactory()
    fund(me, 10_000)
    client.force_login(first)
    client.post(f"/queue/{drop.pk}/join/")
    client.force_login(me)

    detail = client.get(f"/products/{drop.pk}/").content.decode()
    assert "대기열에 참여" in detail and "장바구니 담기" not in detail
    page = client.get(f"/queue/{drop.pk}/").content.decode()
    assert "대기열에 참여" in page
    client.post(f"/queue/{drop.pk}/join/")
    page = client.get(f"/queue/{drop.pk}/").content.decode()
    assert "내 순서" in page and "<strong data-queue-position>2</strong>" in page
    assert 'aria-live="polite"' in page and 'http-equiv="refresh"' in page  # announced; refreshes without JS

    _admit(drop)  # one a second: the first in line only
    assert "<strong data-queue-position>1</strong>" in client.get(f"/queue/{drop.pk}/").content.decode()
    get_redis_connection("default").hset(line.prefix(drop.pk) + "state", "last_tick", 0)
    queue_admit(product=drop)
    page = client.get(f"/queue/{drop.pk}/").content.decode()
    assert "입장했습니다" in page and "지금 구매하기" in page

    response = client.post("/orders/cart/add/", {"product_id": drop.pk, "quantity": 1, "next": "/orders/checkout/"})
    assert response.status_code == 302
    checkout = client.get("/orders/checkout/")
    nonce = checkout.context["nonce"]
    home = make_address(me)  # the checkout ships only to an address
    response = client.post("/orders/checkout/", {"nonce": nonce, "address": home.pk})
    assert response.status_code == 302, response.content[:500]
    assert Order.objects.filter(user=me).count() == 1
    assert "이미 주문했습니다" in client.get(f"/queue/{drop.pk}/").content.decode()


def test_the_drops_page_leads_a_room_drop_to_its_line_not_to_the_cart(client):
    room = ProductFactory(
        name="대기열 운동화", stock=3, sale_starts_at=timezone.now() - timedelta(minutes=1), waiting_room=True
    )
    ProductFactory(name="그냥 타임딜", stock=3, sale_starts_at=timezone.now() - timedelta(minutes=1))
    client.force_login(UserFactory())
    page = client.get("/products/drops/").content.decode()
    card = page.split("대기열 운동화", 1)[1].split("</li>", 1)[0]
    assert f'href="/queue/{room.pk}/"' in card and "바로 구매" not in card
    other = page.split("그냥 타임딜", 1)[1].split("</li>", 1)[0]
    assert "바로 구매" in other and "/queue/" not in other
