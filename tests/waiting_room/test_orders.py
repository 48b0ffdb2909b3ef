"""Orders for a waiting-room drop, on the real PostgreSQL and Redis: the ticket is required, spent
once, by its owner only; a sold-out drop closes its line at once; Redis down fails closed."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone
from django_redis import get_redis_connection

from orders.models import Order
from products.models import Product
from tests.support.api import assert_problem, client_of
from tests.support.builders import fund
from tests.support.concurrency import run_concurrently
from tests.support.factories import ProductFactory, make_users
from waiting_room import line
from waiting_room.models import QueueTicketUse
from waiting_room.services import queue_admit, queue_ticket_get

pytestmark = pytest.mark.django_db(transaction=True)


def _room(*, stock: int, rate: int = 1000) -> Product:
    return ProductFactory(
        stock=stock,
        price=1_000,
        sale_starts_at=timezone.now() - timedelta(minutes=1),
        waiting_room=True,
        admit_per_second=rate,
    )


def _join(client, product) -> str:
    response = client.post(f"/api/products/{product.pk}/queue")
    assert response.status_code in (200, 201), response.content
    return response.json()["ticket"]


def _admit_everyone_possible(product) -> None:
    """Two ticks a second apart (the first only starts the clock of the pace)."""
    product.refresh_from_db()
    queue_admit(product=product)
    state = line.prefix(product.pk) + "state"
    get_redis_connection("default").hset(state, "last_tick", 0)  # as if a long second had passed
    queue_admit(product=product)


def _order(client, user, product, ticket: str | None):
    headers = {"HTTP_QUEUE_TICKET": ticket} if ticket else {}
    body = {"userId": user.pk, "products": [{"productId": product.pk, "quantity": 1}]}
    return client.post("/api/orders", body, format="json", **headers)


def test_an_order_needs_the_callers_admitted_ticket_and_spends_it():
    drop = _room(stock=5)
    shopper, other = make_users(2, prefix="ticketed")
    fund(shopper, 10_000)
    fund(other, 10_000)
    client = client_of(shopper)
    join = client.post(f"/api/products/{drop.pk}/queue")
    assert join.status_code == 201
    ticket = join.json()["ticket"]
    assert client.post(f"/api/products/{drop.pk}/queue").json()["ticket"] == ticket  # the same live ticket, 200

    body = assert_problem(_order(client, shopper, drop, None), 409, "QUEUE_TICKET_REQUIRED", "대기열 입장 필요")
    assert body["productId"] == drop.pk
    assert_problem(_order(client, shopper, drop, ticket), 409, "QUEUE_TICKET_REQUIRED")  # still WAITING

    _admit_everyone_possible(drop)
    read = client.get(f"/api/products/{drop.pk}/queue/{ticket}").json()
    assert read["status"] == "ADMITTED" and read["expiresAt"] is not None
    assert_problem(_order(client_of(other), other, drop, ticket), 409, "QUEUE_TICKET_REQUIRED")  # not theirs

    response = _order(client, shopper, drop, ticket)
    assert response.status_code == 201, response.content
    assert client.get(f"/api/products/{drop.pk}/queue/{ticket}").json()["status"] == "USED"
    assert_problem(_order(client, shopper, drop, ticket), 409, "QUEUE_TICKET_REQUIRED")  # used up
    assert Order.objects.filter(user=shopper).count() == 1
    assert client_of(other).get(f"/api/products/{drop.pk}/queue/{ticket}").status_code == 404


def test_a_failed_order_leaves_the_ticket_admitted():
    drop = _room(stock=5)
    shopper = make_users(1, prefix="broke")[0]  # no balance
    client = client_of(shopper)
    ticket = _join(client, drop)
    _admit_everyone_possible(drop)
    assert_problem(_order(client, shopper, drop, ticket), 409, "INSUFFICIENT_BALANCE")
    assert queue_ticket_get(product_id=drop.pk, ticket=ticket, user_id=shopper.pk).status == line.ADMITTED
    assert not QueueTicketUse.objects.exists()
    fund(shopper, 10_000)
    assert _order(client, shopper, drop, ticket).status_code == 201


def test_one_ticket_racing_itself_buys_one_order():
    drop = _room(stock=50)
    shopper = make_users(1, prefix="racer")[0]
    fund(shopper, 100_000)
    client = client_of(shopper)
    ticket = _join(client, drop)
    _admit_everyone_possible(drop)

    results = run_concurrently([lambda: _order(client_of(shopper), shopper, drop, ticket).status_code] * 10)

    assert Counter(results) == {201: 1, 409: 9}
    assert Order.objects.filter(user=shopper).count() == 1
    drop.refresh_from_db()
    assert drop.stock == 49


def test_ten_units_two_hundred_in_line_ten_sold_and_the_rest_told_sold_out_at_once():
    drop = _room(stock=10, rate=1000)
    users = make_users(200, prefix="crowd")
    for user in users:
        fund(user, 10_000)
    tickets = {user.pk: _join(client_of(user), drop) for user in users}
    _admit_everyone_possible(drop)
    admitted = [
        u
        for u in users
        if queue_ticket_get(product_id=drop.pk, ticket=tickets[u.pk], user_id=u.pk).status == line.ADMITTED
    ]
    assert len(admitted) == 10  # never more admitted than units left

    results = run_concurrently([lambda u=u: _order(client_of(u), u, drop, tickets[u.pk]).status_code for u in admitted])

    assert results == [201] * 10
    drop.refresh_from_db()
    assert drop.stock == 0
    # the tenth sale closed the line on commit: nobody waits for a unit that is gone
    statuses = Counter(queue_ticket_get(product_id=drop.pk, ticket=tickets[u.pk], user_id=u.pk).status for u in users)
    assert statuses == {"USED": 10, "SOLD_OUT": 190}
    assert_problem(client_of(users[0]).post(f"/api/products/{drop.pk}/queue"), 409, "OUT_OF_STOCK")
    assert Order.objects.count() == 10


def test_an_order_committing_during_an_admission_tick_never_lets_it_admit_past_the_units_left(monkeypatch):
    """The race the `queue` benchmark found (101 admitted for 100 units, one admitted shopper told
    OUT_OF_STOCK): the tick reads the units left, an order commits and leaves the admitted set,
    and the script would then see one unit left and no ticket holding it."""
    drop = _room(stock=2)
    first, second, third = make_users(3, prefix="tickrace")
    for user in (first, second, third):
        fund(user, 10_000)
    tickets = {user.pk: _join(client_of(user), drop) for user in (first, second, third)}
    _admit_everyone_possible(drop)  # two units: the first two admitted
    assert queue_ticket_get(product_id=drop.pk, ticket=tickets[third.pk], user_id=third.pk).status == line.WAITING

    real_tick = line.line_tick

    def an_order_commits_first(**kwargs):
        # after the tick read the units (2) and before its script runs: the first shopper buys
        assert _order(client_of(first), first, drop, tickets[first.pk]).status_code == 201
        return real_tick(**kwargs)

    monkeypatch.setattr(line, "line_tick", an_order_commits_first)
    get_redis_connection("default").hset(line.prefix(drop.pk) + "state", "last_tick", 0)
    queue_admit(product=drop)
    monkeypatch.undo()

    # one unit left, held by the second shopper's ticket: the third still waits
    assert queue_ticket_get(product_id=drop.pk, ticket=tickets[third.pk], user_id=third.pk).status == line.WAITING
    assert _order(client_of(second), second, drop, tickets[second.pk]).status_code == 201
    assert queue_ticket_get(product_id=drop.pk, ticket=tickets[third.pk], user_id=third.pk).status == line.SOLD_OUT
    assert Order.objects.count() == 2


def test_redis_down_fails_closed_for_the_room_only_and_a_new_line_starts_cleanly(settings, private_redis):
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": private_redis.url},
    }
    private_redis.start()
    drop = _room(stock=3)
    plain = ProductFactory(stock=3, price=1_000)
    shopper = make_users(1, prefix="outage")[0]
    fund(shopper, 10_000)
    client = client_of(shopper)
    ticket = _join(client, drop)
    _admit_everyone_possible(drop)

    private_redis.stop()
    assert_problem(client.post(f"/api/products/{drop.pk}/queue"), 503, "SERVICE_UNAVAILABLE")
    assert_problem(client.get(f"/api/products/{drop.pk}/queue/{ticket}"), 503, "SERVICE_UNAVAILABLE")
    assert_problem(_order(client, shopper, drop, ticket), 503, "SERVICE_UNAVAILABLE")
    assert _order(client, shopper, plain, None).status_code == 201  # other orders do not touch the line

    private_redis.start()  # empty: the line is gone, the stock is not
    assert_problem(_order(client, shopper, drop, ticket), 409, "QUEUE_TICKET_REQUIRED")
    fresh = _join(client, drop)
    assert fresh != ticket
    _admit_everyone_possible(drop)
    assert _order(client, shopper, drop, fresh).status_code == 201
    drop.refresh_from_db()
    assert drop.stock == 2
