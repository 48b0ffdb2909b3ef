"""The admin index as an operations view (orders.dashboard): its numbers against a known set of
orders, coupon drops and outbox rows, and a query count that does not grow with the data."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from balances.services import balance_charge
from coupons.services.drops import coupon_drop_create
from coupons.services.issue import coupon_issue
from dataplatform.models import OutboxEvent
from dataplatform.selectors import outbox_health
from orders import dashboard
from orders.services import order_cancel, order_place
from tests.support.factories import ProductFactory, UserFactory
from waiting_room.services import queue_join

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
EXPECTED_QUERIES = 11
NOW = datetime(2026, 12, 2, 15, 5, 30, tzinfo=SEOUL)


@pytest.fixture
def shop():
    with time_machine.travel(NOW - timedelta(days=3), tick=False):
        apple = ProductFactory(name="사과", price=10_000, stock=100)
        pear = ProductFactory(name="배", price=3_000, stock=100)
        buyer = UserFactory()
        balance_charge(user_id=buyer.pk, amount=1_000_000)
    at = lambda day, hour, minute: datetime(2026, 12, day, hour, minute, tzinfo=SEOUL)  # noqa: E731
    with time_machine.travel(NOW, tick=False):
        orders = {
            "old": order_place(user_id=buyer.pk, lines=[(apple.pk, 1)], placed_at=at(1, 12, 0) - timedelta(days=1)),
            "yesterday": order_place(user_id=buyer.pk, lines=[(apple.pk, 2)], placed_at=at(1, 20, 3)),
            "morning_1": order_place(user_id=buyer.pk, lines=[(apple.pk, 1), (pear.pk, 1)], placed_at=at(2, 9, 1)),
            "morning_2": order_place(user_id=buyer.pk, lines=[(pear.pk, 3)], placed_at=at(2, 9, 8)),
            "just_now": order_place(user_id=buyer.pk, lines=[(apple.pk, 1)], placed_at=at(2, 14, 58)),
        }
        sneakers = ProductFactory(
            name="한정 운동화",
            price=1_000,
            stock=50,
            sale_starts_at=NOW - timedelta(hours=1),
            sale_ends_at=NOW + timedelta(days=1),
        )
        orders["sneakers"] = order_place(user_id=buyer.pk, lines=[(sneakers.pk, 3)], placed_at=at(2, 14, 30))
        ProductFactory(
            name="지난 타임딜", stock=5, sale_starts_at=NOW - timedelta(days=2), sale_ends_at=NOW - timedelta(days=1)
        )
        room = ProductFactory(
            name="내일 한정판",
            stock=20,
            sale_starts_at=NOW + timedelta(minutes=5),
            waiting_room=True,
            admit_per_second=5,
        )
        queue_join(product_id=room.pk, user_id=UserFactory().pk)
        order_cancel(order_id=orders["yesterday"].pk, actor=buyer)  # a cancel today of yesterday's order
        order_cancel(order_id=orders["morning_2"].pk, actor=buyer)
        drop = coupon_drop_create(
            name="오늘의 쿠폰", discount_type="FIXED", discount_value=1_000, total_quantity=5, valid_days=3
        )
        for _ in range(2):
            coupon_issue(user_id=UserFactory().pk, coupon_id=drop.pk)
        coupon_drop_create(
            name="내일 쿠폰",
            discount_type="FIXED",
            discount_value=500,
            total_quantity=10,
            valid_days=1,
            issue_starts_at=NOW + timedelta(days=1),
        )
    OutboxEvent.objects.filter(aggregate_id=orders["old"].pk).update(status=OutboxEvent.Status.FAILED)
    OutboxEvent.objects.filter(aggregate_id=orders["morning_1"].pk).update(created_at=NOW - timedelta(minutes=42))
    return orders


def test_the_numbers_of_a_known_day(shop):
    view = dashboard.operations_view(now=NOW)
    today = view["today"]
    # placed today (Seoul): morning_1, morning_2, sneakers, just_now; still paid: morning_1 (13,000),
    # sneakers (3,000), just_now (10,000)
    assert today["orders"] == 4
    assert today["revenue"] == 13_000 + 3_000 + 10_000
    assert today["cancels"] == 2 and today["refunded"] == 20_000 + 9_000
    chart = view["chart"]
    assert len(chart["bars"]) == 144
    # the last 24 hours: yesterday 20:03, today 09:01, 09:08, 14:30, 14:58 (the old one is before the window)
    assert chart["total"] == 5
    counted = {timezone_hm(bar.starts_at): bar.count for bar in chart["bars"] if bar.count}
    assert counted == {"20:00": 1, "09:00": 2, "14:30": 1, "14:50": 1}
    assert chart["bars"][-1].starts_at == datetime(2026, 12, 2, 15, 0, tzinfo=SEOUL)
    assert chart["peak"] == 2 and chart["top"] == 2
    assert [tick["label"] for tick in chart["ticks"]] == ["16시", "20시", "00시", "04시", "08시", "12시"]
    products = {row["product"]["name"]: row for row in view["product_drops"]}
    assert list(products) == ["한정 운동화", "내일 한정판"]  # by start; the ended one is gone
    sneakers, room = products["한정 운동화"], products["내일 한정판"]
    assert (sneakers["status"], sneakers["sold"], sneakers["left"], sneakers["percent"]) == ("판매 중", 3, 47, 6)
    assert sneakers["line"] is None
    assert (room["status"], room["sold"], room["left"], room["percent"]) == ("예정", 0, 20, 0)
    assert room["line"]["waiting"] == 1 and room["line"]["admitted"] == 0
    drops = {row["drop"].name: row for row in view["coupon_drops"]}
    assert (drops["오늘의 쿠폰"]["issued"], drops["오늘의 쿠폰"]["left"], drops["오늘의 쿠폰"]["percent"]) == (2, 3, 40)
    assert drops["내일 쿠폰"]["started"] is False and drops["내일 쿠폰"]["issued"] == 0
    outbox = outbox_health()  # the index's outbox panel (dataplatform's outbox_summary) reads it
    # 6 order.paid + 2 order.cancelled events, one of them marked failed
    assert (outbox["pending"], outbox["failed"]) == (7, 1)
    assert NOW - outbox["oldest_pending_at"] == timedelta(minutes=42)


def timezone_hm(moment) -> str:
    return moment.astimezone(SEOUL).strftime("%H:%M")


def _admin_index(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_the_admin_index_shows_them_in_a_bounded_number_of_queries(client, shop, staff):
    staff.is_superuser = True
    staff.save(update_fields=["is_superuser"])
    client.force_login(staff)
    with time_machine.travel(NOW, tick=False):
        html, count = _admin_index(client)
        assert '<strong id="ops-orders">4건</strong>' in html
        assert '<strong id="ops-revenue">26,000원</strong>' in html
        assert '<strong id="ops-cancels">2건</strong>' in html
        assert "<svg" in html and html.count("<rect ") == 4 and "24시간 합계 5건" in html
        assert (
            "한정 운동화" in html
            and 'value="6"' in html
            and '<span class="ops-line">대기 1명</span> <span class="ops-line">입장 0명</span>' in html
        )
        assert "지난 타임딜" not in html
        assert "오늘의 쿠폰" in html and 'value="40"' in html
        assert '<td id="outbox-oldest-pending">42분 0초</td>' in html
        assert '<td id="outbox-failed-count">1건</td>' in html and "골라서 지금 재전송" in html
        # session, user, the panel (today's orders, today's cancels, the chart, the product drops
        # and their units sold, the coupon drops),
        # the outbox (backlog with its oldest, failures), the recent-actions log, and the admin's
        # own: the same count whatever the data, checked below
        assert count == EXPECTED_QUERIES, count
        # ten times the orders, another drop: the same number of queries
        buyer = UserFactory()
        balance_charge(user_id=buyer.pk, amount=1_000_000)
        product = ProductFactory(price=1_000, stock=1_000)
        for minutes in range(0, 600, 20):
            order_place(user_id=buyer.pk, lines=[(product.pk, 1)], placed_at=NOW - timedelta(minutes=minutes))
        coupon_drop_create(name="하나 더", discount_type="FIXED", discount_value=100, total_quantity=3, valid_days=1)
        ProductFactory(name="또 하나", stock=9, sale_starts_at=NOW + timedelta(hours=2), waiting_room=True)
        assert _admin_index(client)[1] == count


def test_a_shopper_sees_no_panel(client, user):
    assert dashboard.today_start(NOW) == datetime(2026, 12, 2, tzinfo=SEOUL)
    client.force_login(user)
    assert "ops-orders" not in client.get("/admin/", follow=True).content.decode()
