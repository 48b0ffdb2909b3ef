"""A waiting-room drop (대기열) in real Chromium, on the real Redis and PostgreSQL: a shopper joins
from the drop's page, watches their place fall while the two shoppers ahead are admitted (one buys,
the other lets the ticket lapse), is admitted, sees 지금 구매하기 with the time left, and buys. The
test is the admission task here: it runs the same service step beat runs every second
(`queue_admit`), one shopper per step. The place is updated in an aria-live region, without a
reload, and axe finds no serious violation on the waiting page."""

import re

import pytest
from django.utils import timezone
from django_redis import get_redis_connection
from playwright.sync_api import expect

from balances.services import balance_charge
from orders.models import Order
from orders.services import order_place
from tests.browser.helpers import axe_violations, login
from tests.support.builders import make_address, make_room_drop
from tests.support.factories import make_users
from waiting_room import line
from waiting_room.models import QueueTicketUse
from waiting_room.services import queue_admit, queue_join, queue_ticket_get

pytestmark = pytest.mark.browser

POLL_WAIT_MS = 20_000  # queue.js polls every 2 s (±30%) after a change, backing off to 15 s


def _admit_one(drop) -> None:
    """One admission step with a full second's worth of the pace (admitPerSecond 1: one shopper),
    as if beat's last tick were long ago."""
    get_redis_connection("default").hset(line.prefix(drop.pk) + "state", "last_tick", 0)
    drop.refresh_from_db()
    tick = queue_admit(product=drop)
    assert tick is not None and tick.admitted == 1, tick


def _lapse(drop, ticket: str) -> None:
    """The admitted ticket's time runs out now (as WAITING_ROOM_TICKET_MINUTES later would)."""
    past = int(timezone.now().timestamp() * 1000) - 1_000
    redis = get_redis_connection("default")
    redis.hset(line.prefix(drop.pk) + f"t:{ticket}", "expires_at", past)
    redis.zadd(line.prefix(drop.pk) + "admitted", {ticket: past})


def test_a_shopper_waits_in_line_watches_the_place_fall_is_admitted_and_buys(page, shopper):
    balance_charge(user_id=shopper.pk, amount=100_000)
    make_address(shopper)
    drop = make_room_drop(stock=5, started_minutes_ago=1)
    buyer, dawdler = make_users(2, prefix="ahead")
    balance_charge(user_id=buyer.pk, amount=100_000)
    buyer_ticket = queue_join(product_id=drop.pk, user_id=buyer.pk)[0].ticket
    dawdler_ticket = queue_join(product_id=drop.pk, user_id=dawdler.pk)[0].ticket

    login(page, shopper.username)
    page.goto(f"/products/{drop.pk}/")
    page.get_by_role("link", name="대기열에 참여").click()
    expect(page).to_have_url(f"/queue/{drop.pk}/")
    page.get_by_role("button", name="대기열에 참여").click()

    live = page.locator("[aria-live=polite]")
    expect(live.locator("[data-queue-position]")).to_have_text("3")
    expect(live).to_contain_text("앞에 2명")
    assert axe_violations(page) == []
    page.evaluate("() => { window.stillTheSamePage = true; }")  # gone if the page reloads

    _admit_one(drop)  # the buyer
    expect(live.locator("[data-queue-position]")).to_have_text("2", timeout=POLL_WAIT_MS)
    expect(live).to_contain_text("앞에 1명")
    order_place(user_id=buyer.pk, lines=[(drop.pk, 1)], queue_tickets={drop.pk: buyer_ticket})
    _admit_one(drop)  # the dawdler, who never orders
    expect(live.locator("[data-queue-position]")).to_have_text("1", timeout=POLL_WAIT_MS)
    expect(live).to_contain_text("앞에 0명")
    assert page.evaluate("() => window.stillTheSamePage === true")  # updated in place, announced politely
    assert 0 < int(page.locator("[data-queue-progress]").get_attribute("value") or 0) <= 100

    _lapse(drop, dawdler_ticket)
    _admit_one(drop)  # the dawdler's ticket expires and the place goes to our shopper
    buy = page.get_by_role("button", name="지금 구매하기")
    expect(buy).to_be_visible(timeout=POLL_WAIT_MS)
    expect(page.locator(".queue-card [role=status]")).to_contain_text("입장했습니다")
    # the ticket's time left (WAITING_ROOM_TICKET_MINUTES, 2), counting down every second
    expect(page.locator("[data-queue-expires]")).to_have_text(re.compile(r"^[0-2]분 \d{1,2}초$"))
    assert axe_violations(page) == []
    buy.click()

    expect(page.get_by_role("heading", name="주문서")).to_be_visible()
    page.get_by_role("button", name="결제하기").click()
    expect(page.get_by_role("heading", name="주문이 완료되었습니다")).to_be_visible()
    assert Order.objects.filter(user=shopper, lines__product=drop).count() == 1
    assert Order.objects.filter(lines__product=drop).count() == 2  # the buyer's and ours; the dawdler none
    states = {
        user.pk: queue_ticket_get(product_id=drop.pk, ticket=ticket, user_id=user.pk).status
        for user, ticket in ((buyer, buyer_ticket), (dawdler, dawdler_ticket))
    }
    assert states == {buyer.pk: "USED", dawdler.pk: "EXPIRED"}
    assert QueueTicketUse.objects.filter(user=shopper, product=drop).count() == 1  # our ticket, spent
    drop.refresh_from_db()
    assert drop.stock == 3
