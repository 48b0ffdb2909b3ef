"""Two web nodes (each its own granian) behind a real HAProxy, round robin, on one database and
one Redis: per-node catalog copies stay coherent (a deactivated product disappears from both at
once), a throttle counts across nodes, and a session made on one node works on the other."""

import os
import re
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
from django.db import connection

from core.api.authentication import access_token_for
from devtools import haproxy
from tests.support.factories import ProductFactory
from tests.support.servers import http, unavailable, web_node

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
