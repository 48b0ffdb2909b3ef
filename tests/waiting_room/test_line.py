"""The line on the real Redis and PostgreSQL: joins under a stampede, the draw at the start,
paced and stock-aware admission, lapsing tickets, and single use."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from core.errors import NotFound
from products.errors import OutOfStock, SaleEnded
from tests.support.concurrency import run_concurrently
from tests.support.factories import ProductFactory, make_users
from waiting_room import line
from waiting_room.errors import QueueTicketRequired
from waiting_room.services import (
    queue_admit,
    queue_join,
    queue_ticket_get,
    queue_ticket_require,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _drop(*, starts_in: timedelta = timedelta(0), stock: int = 100, rate: int = 10, **fields):
    return ProductFactory(
        stock=stock,
        sale_starts_at=timezone.now() + starts_in,
        waiting_room=True,
        admit_per_second=rate,
        **fields,
    )


def test_500_shoppers_joining_at_once_get_500_distinct_places_and_a_second_join_the_same_ticket():
    drop = _drop(starts_in=-timedelta(minutes=1))
    users = make_users(500, prefix="liner")

    joined = run_concurrently([lambda u=u: queue_join(product_id=drop.pk, user_id=u.pk) for u in users], workers=16)

    assert not [r for r in joined if isinstance(r, BaseException)]
    assert all(created for _, created in joined)
    positions = [
        queue_ticket_get(product_id=drop.pk, ticket=t.ticket, user_id=u.pk).position
        for (t, _), u in zip(joined, users, strict=True)
    ]
    assert sorted(positions) == list(range(1, 501))
    later = make_users(1, prefix="late")[0]
    late_ticket, _ = queue_join(product_id=drop.pk, user_id=later.pk)
    assert late_ticket.position == 501
    again, created = queue_join(product_id=drop.pk, user_id=users[0].pk)
    assert (again.ticket, created) == (joined[0][0].ticket, False)


def test_early_joins_are_drawn_at_the_start_and_all_come_before_later_ones():
    drop = _drop(starts_in=timedelta(minutes=5), rate=1000)
    early = make_users(60, prefix="early")
    early_tickets = [queue_join(product_id=drop.pk, user_id=u.pk)[0].ticket for u in early]
    assert queue_admit(product=drop) is None  # nothing is admitted before the start

    with time_machine.travel(drop.sale_starts_at + timedelta(seconds=1), tick=False):
        late = make_users(20, prefix="later")
        drop.refresh_from_db()
        assert queue_admit(product=drop).admitted == 0  # the first tick only draws (no time has passed)
        late_tickets = [queue_join(product_id=drop.pk, user_id=u.pk)[0].ticket for u in late]
        order = {}
        for user, ticket in zip(early + late, early_tickets + late_tickets, strict=True):
            order[ticket] = queue_ticket_get(product_id=drop.pk, ticket=ticket, user_id=user.pk).position

    early_places = [order[t] for t in early_tickets]
    assert sorted(early_places) == list(range(1, 61))
    assert early_places != list(range(1, 61))  # drawn, not in join order (1 in 60! to be unlucky)
    assert sorted(order[t] for t in late_tickets) == list(range(61, 81))  # later joins: first come first served
    assert [order[t] for t in late_tickets] == list(range(61, 81))


def test_admission_keeps_the_pace_and_never_admits_more_than_the_units_left():
    drop = _drop(starts_in=-timedelta(seconds=30), stock=25, rate=10)
    users = make_users(60, prefix="paced")
    tickets = [queue_join(product_id=drop.pk, user_id=u.pk)[0].ticket for u in users]
    start = timezone.now()
    admitted = []
    with time_machine.travel(start, tick=False) as clock:
        queue_admit(product=drop)  # the draw, and the clock for the pace starts here
        for _ in range(5):
            clock.shift(timedelta(seconds=1))
            admitted.append(queue_admit(product=drop).admitted)
    assert admitted == [10, 10, 5, 0, 0]  # 10 a second, then capped by the 25 units left
    statuses = [
        queue_ticket_get(product_id=drop.pk, ticket=t, user_id=u.pk).status for t, u in zip(tickets, users, strict=True)
    ]
    assert statuses[:25] == [line.ADMITTED] * 25  # in line order
    assert statuses[25:] == [line.WAITING] * 35


def test_an_unused_ticket_lapses_and_its_place_goes_to_the_next_in_line(settings):
    settings.WAITING_ROOM_TICKET_MINUTES = 2
    drop = _drop(starts_in=-timedelta(seconds=30), stock=1, rate=10)
    first, second = make_users(2, prefix="lapse")
    ticket_one = queue_join(product_id=drop.pk, user_id=first.pk)[0].ticket
    ticket_two = queue_join(product_id=drop.pk, user_id=second.pk)[0].ticket
    now = timezone.now()
    with time_machine.travel(now, tick=False) as clock:
        queue_admit(product=drop)
        clock.shift(timedelta(seconds=1))
        assert queue_admit(product=drop).admitted == 1  # one unit, so one admitted ticket
        one = queue_ticket_get(product_id=drop.pk, ticket=ticket_one, user_id=first.pk)
        assert one.status == line.ADMITTED
        assert one.expires_at == one.admitted_at + timedelta(minutes=2)
        queue_ticket_require(product_id=drop.pk, user_id=first.pk, ticket=ticket_one)

        clock.shift(timedelta(minutes=2, seconds=1))
        assert queue_ticket_get(product_id=drop.pk, ticket=ticket_one, user_id=first.pk).status == line.EXPIRED
        with pytest.raises(QueueTicketRequired):
            queue_ticket_require(product_id=drop.pk, user_id=first.pk, ticket=ticket_one)
        tick = queue_admit(product=drop)
        assert (tick.expired, tick.admitted) == (1, 1)
        assert queue_ticket_get(product_id=drop.pk, ticket=ticket_two, user_id=second.pk).status == line.ADMITTED


def test_a_ticket_is_only_its_owners():
    drop = _drop(starts_in=-timedelta(seconds=30), rate=10)
    owner, stranger = make_users(2, prefix="owner")
    ticket = queue_join(product_id=drop.pk, user_id=owner.pk)[0].ticket
    with pytest.raises(NotFound):
        queue_ticket_get(product_id=drop.pk, ticket=ticket, user_id=stranger.pk)
    with pytest.raises(NotFound):
        queue_ticket_get(product_id=drop.pk, ticket="no-such-ticket", user_id=owner.pk)
    now = timezone.now()
    with time_machine.travel(now, tick=False) as clock:
        queue_admit(product=drop)
        clock.shift(timedelta(seconds=1))
        queue_admit(product=drop)
        with pytest.raises(QueueTicketRequired):
            queue_ticket_require(product_id=drop.pk, user_id=stranger.pk, ticket=ticket)
        queue_ticket_require(product_id=drop.pk, user_id=owner.pk, ticket=ticket)


def test_the_line_closes_when_no_unit_is_left_and_after_the_window():
    drop = _drop(starts_in=-timedelta(seconds=30), stock=5, rate=10)
    users = make_users(3, prefix="closing")
    tickets = [queue_join(product_id=drop.pk, user_id=u.pk)[0].ticket for u in users]
    type(drop).objects.filter(pk=drop.pk).update(stock=0)
    drop.refresh_from_db()
    assert queue_admit(product=drop).closed
    assert {
        queue_ticket_get(product_id=drop.pk, ticket=t, user_id=u.pk).status for t, u in zip(tickets, users, strict=True)
    } == {line.SOLD_OUT}
    with pytest.raises(OutOfStock):
        queue_join(product_id=drop.pk, user_id=make_users(1, prefix="toolate")[0].pk)

    ended = _drop(starts_in=-timedelta(hours=2), sale_ends_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(SaleEnded):
        queue_join(product_id=ended.pk, user_id=users[0].pk)
    plain = ProductFactory()
    with pytest.raises(NotFound):
        queue_join(product_id=plain.pk, user_id=users[0].pk)
