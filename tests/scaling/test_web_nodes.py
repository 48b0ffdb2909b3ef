"""Two web nodes (each its own granian) behind a real HAProxy, round robin, on one database and
one Redis: per-node catalog copies stay coherent (a deactivated product disappears from both at
once), a throttle counts across nodes, the waiting room is one line whichever node a shopper
reaches, and a session made on one node works on the other."""

import os
import re
import time
import urllib.parse
import urllib.request
from datetime import timedelta
from http.cookiejar import CookieJar

import pytest
from django.db import connection
from django.utils import timezone

from balances.services import balance_charge
from core.api.authentication import access_token_for
from devtools import haproxy
from tests.support.factories import ProductFactory, UserFactory
from tests.support.servers import http, unavailable, web_node
from waiting_room.services import queue_admit

pytestmark = pytest.mark.django_db(transaction=True)

SIGNUPS_PER_HOUR = 4


@pytest.fixture
def two_nodes():
    try:
        haproxy.ensure()
    except haproxy.ProxyMissing as exc:
        unavailable(str(exc.code))
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "NUM_PROXIES": "1",
        "THROTTLE_SIGNUP": f"{SIGNUPS_PER_HOUR}/hour",
    }
    with web_node(env) as first, web_node(env) as second:
        ports = [int(base.rsplit(":", 1)[1]) for base in (first, second)]
        with haproxy.balancer(ports) as proxy:
            yield proxy, first, second


def _ids(base: str) -> list[int]:
    status, body, _ = http(base, "/api/products")
    assert status == 200, body
    return [item["id"] for item in body["items"]]


def test_a_deactivated_product_disappears_from_both_nodes_at_once(two_nodes, staff):
    proxy, first, second = two_nodes
    ids = [ProductFactory(name=f"노드 상품 {i}").id for i in range(3)]
    for base in (proxy, proxy, first, second, first, second):  # warm every node's copies
        assert _ids(base) == ids

    status, _, _ = http(
        proxy, f"/api/products/{ids[0]}", method="PATCH", body={"active": False}, token=str(access_token_for(staff))
    )
    assert status == 200

    for base in (first, second, proxy, proxy):
        assert _ids(base) == ids[1:]
        assert http(base, f"/api/products/{ids[0]}")[0] == 404


def test_a_throttle_counts_every_node(two_nodes):
    proxy, _, _ = two_nodes
    statuses = [
        http(
            proxy,
            "/api/auth/signup",
            method="POST",
            body={"username": f"node-shopper-{n}", "password": "Bright-lake-5820!"},
        )[0]
        for n in range(SIGNUPS_PER_HOUR + 2)
    ]
    # round robin sent every other signup to the other node; the limit still held overall
    assert statuses == [201] * SIGNUPS_PER_HOUR + [429, 429]


def test_the_waiting_room_is_one_line_across_nodes(two_nodes):
    _, first, second = two_nodes
    product = ProductFactory(
        name="노드 대기열 상품",
        price=1_000,
        stock=1,
        sale_starts_at=timezone.now() - timedelta(minutes=1),
        waiting_room=True,
        admit_per_second=10,
    )
    shoppers = [UserFactory() for _ in range(3)]
    tokens = [str(access_token_for(shopper)) for shopper in shoppers]
    join = f"/api/products/{product.pk}/queue"

    status, ticket, _ = http(first, join, method="POST", token=tokens[0])
    assert (status, ticket["position"]) == (201, 1)
    # the same shopper on the other node: the same ticket (one per user and product), read back there too
    status, again, _ = http(second, join, method="POST", token=tokens[0])
    assert (status, again["ticket"]) == (200, ticket["ticket"])
    assert http(second, f"{join}/{ticket['ticket']}", token=tokens[0])[1]["position"] == 1
    # later shoppers on either node stand behind them in the same line
    assert http(second, join, method="POST", token=tokens[1])[1]["position"] == 2
    assert http(first, join, method="POST", token=tokens[2])[1]["position"] == 3

    # the beat task's step (waiting_room.admit): the first tick starts the rate's clock, the next one
    # admits; one unit left, so one admission
    queue_admit(product=product)
    time.sleep(0.3)
    assert queue_admit(product=product).admitted == 1
    assert http(second, f"{join}/{ticket['ticket']}", token=tokens[0])[1]["status"] == "ADMITTED"
    assert http(first, f"{join}/{ticket['ticket']}", token=tokens[0])[1]["status"] == "ADMITTED"

    # the ticket taken on node 1 buys on node 2, and is used up everywhere
    balance_charge(user_id=shoppers[0].pk, amount=10_000)
    order = {"userId": shoppers[0].pk, "products": [{"productId": product.pk, "quantity": 1}]}
    status, body, _ = http(
        second, "/api/orders", method="POST", body=order, token=tokens[0], headers={"Queue-Ticket": ticket["ticket"]}
    )
    assert status == 201, body
    assert http(first, f"{join}/{ticket['ticket']}", token=tokens[0])[1]["status"] == "USED"
    # the next shopper, not admitted, is refused on either node (the ticket check comes before stock)
    balance_charge(user_id=shoppers[1].pk, amount=10_000)
    order["userId"] = shoppers[1].pk
    for base in (first, second):
        status, body, _ = http(base, "/api/orders", method="POST", body=order, token=tokens[1])
        assert (status, body["code"]) == (409, "QUEUE_TICKET_REQUIRED")


def test_a_session_made_on_one_node_works_on_the_other(two_nodes, user):
    _, first, second = two_nodes
    user.set_password("Green-hill-4471!")
    user.save()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    login_page = opener.open(f"{first}/accounts/login/", timeout=15).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
    form = urllib.parse.urlencode(
        {"username": user.username, "password": "Green-hill-4471!", "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(
        f"{first}/accounts/login/", data=form, headers={"Referer": f"{first}/accounts/login/"}
    )
    opener.open(request, timeout=15)

    # the session cookie from node 1, on node 2 (cookies are per host, not per port)
    page = opener.open(f"{second}/", timeout=15).read().decode()
    assert user.username in page
    assert "로그아웃" in page
