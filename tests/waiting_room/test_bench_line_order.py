"""The `queue` benchmark's line-order check (loadtests.bench_queue.line_order) is not blind: it
passes the real line's admissions, read the way the benchmark's shoppers read them, and fails
admissions out of line order and a place that rose."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_redis import get_redis_connection

from loadtests.bench_queue import Ticket, line_order
from tests.support.factories import ProductFactory, make_users
from waiting_room import line
from waiting_room.services import queue_admit, queue_join, queue_ticket_get

CLEAN = {"pairs_out_of_order": 0, "places_out_of_order": 0, "places_rose": 0}


def _clean(report: dict) -> dict:
    return {key: report[key] for key in CLEAN}


@pytest.mark.django_db(transaction=True)
def test_the_real_lines_admissions_pass():
    drop = ProductFactory(
        stock=25, sale_starts_at=timezone.now() - timedelta(minutes=1), waiting_room=True, admit_per_second=7
    )
    users = make_users(30, prefix="bencher")
    tickets = {}
    for user in users:  # one after the other: each join answered before the next is sent
        sent = time.time()
        view, _ = queue_join(product_id=drop.pk, user_id=user.pk)
        done = time.time()
        tickets[user.pk] = (view.ticket, Ticket(join_sent=sent, join_done=done, reads=[(sent, done, view.position)]))
    state = line.prefix(drop.pk) + "state"
    for _ in range(5):  # five ticks of 7, the last cut short by the units left (25)
        get_redis_connection("default").hset(state, "last_tick", 0)  # a whole second's worth each
        drop.refresh_from_db()
        queue_admit(product=drop)
        time.sleep(0.01)  # ticks are a second apart in the benchmark; distinct admittedAt is what counts
        for user in users:
            ticket, record = tickets[user.pk]
            sent = time.time()
            view = queue_ticket_get(product_id=drop.pk, ticket=ticket, user_id=user.pk)
            if view.status == "WAITING":
                record.reads.append((sent, time.time(), view.position))
            elif view.admitted_at is not None:
                record.admitted_at = view.admitted_at.timestamp()
    report = line_order([record for _, record in tickets.values()])
    assert report["admitted"] == 25 and report["ticks"] == 4
    assert report["places_checked"] == 25
    assert _clean(report) == CLEAN


def _fifo() -> list[Ticket]:
    """Six shoppers who joined one after the other, read their places before the first tick, and
    were admitted two, two and one at 10, 11 and 12 s; the sixth never was."""
    admitted = [10.0, 10.0, 11.0, 11.0, 12.0, None]
    return [
        Ticket(join_sent=i, join_done=i + 0.1, reads=[(i, i + 0.1, 1 + i), (9.0, 9.1, 1 + i)], admitted_at=at)
        for i, at in enumerate(admitted)
    ]


def test_the_check_passes_admissions_in_line_order():
    report = line_order(_fifo())
    assert report["admitted"] == 5 and report["places_checked"] == 5
    assert _clean(report) == CLEAN


def test_the_check_fails_admissions_out_of_line_order():
    tickets = _fifo()
    tickets[1].admitted_at, tickets[4].admitted_at = 12.0, 10.0  # the fifth went before the second
    report = line_order(tickets)
    assert report["pairs_out_of_order"] >= 1
    assert report["places_out_of_order"] >= 1

    tickets = _fifo()
    tickets[5].admitted_at, tickets[4].admitted_at = 12.0, None  # the last admitted, one ahead never
    assert line_order(tickets)["pairs_out_of_order"] == 1


def test_the_check_fails_a_place_that_rose():
    tickets = _fifo()
    tickets[3].reads.append((9.5, 9.6, 5))  # from 4th to 5th
    assert line_order(tickets)["places_rose"] == 1
