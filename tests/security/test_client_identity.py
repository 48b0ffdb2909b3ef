"""Who the client is (core/client.py): a forged X-Forwarded-For or X-Forwarded-Proto changes
nothing unless NUM_PROXIES says our own proxies wrote it. Sent at every throttle (signup, token,
refresh, charge, order, coupon issue) and at the login guard (API, storefront page, admin)."""

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.throttling import ScopedRateThrottle
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.login_guard import client_address
from balances.models import LedgerEntry
from core.client import client_ip
from orders.models import Order
from tests.support.api import assert_problem
from tests.support.builders import fund, make_drop, make_product

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-Test-1234!"
_forged = (f"203.0.113.{n % 250}, 198.51.100.{n // 250}" for n in itertools.count(1))


def forged() -> dict:
    """A different made-up X-Forwarded-For chain on every call, from the same real peer."""
    return {"HTTP_X_FORWARDED_FOR": next(_forged), "REMOTE_ADDR": "192.0.2.10"}


def _meta(**meta):
    return RequestFactory().get("/", **meta)


# --- the function --------------------------------------------------------------------------------


def test_without_proxies_the_header_is_ignored(settings):
    settings.NUM_PROXIES = 0
    request = _meta(REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == client_address(request) == "192.0.2.10"


@pytest.mark.parametrize(
    ("proxies", "header", "client"),
    [
        (1, "1.2.3.4", "1.2.3.4"),
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the client wrote 6.6.6.6; our proxy appended 1.2.3.4
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.2", "1.2.3.4"),
        (2, " 1.2.3.4 ,10.0.0.2", "1.2.3.4"),
        (3, "1.2.3.4, 10.0.0.2", "1.2.3.4"),  # fewer hops than proxies: the leftmost, as DRF does
        (1, "2001:db8::1", "2001:db8::1"),
        (1, "not-an-address", "192.0.2.10"),  # garbage never becomes a fresh throttle key
        (1, "", "192.0.2.10"),
    ],
)
def test_with_proxies_the_nth_address_from_the_right(settings, proxies, header, client):
    settings.NUM_PROXIES = proxies
    request = _meta(REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR=header)
    assert client_ip(request) == client_address(request) == client


# --- the throttles -------------------------------------------------------------------------------


def test_signup_throttle_refuses_six_of_26_forged_signups(api, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "signup", "20/hour")
    codes = [
        api.post(
            "/api/auth/signup", {"username": f"forger{n}", "password": PASSWORD}, format="json", **forged()
        ).status_code
        for n in range(26)
    ]
    assert codes == [201] * 20 + [429] * 6


def test_signup_behind_a_proxy_counts_the_address_it_saw(api, settings, monkeypatch):
    settings.NUM_PROXIES = 1
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "signup", "2/hour")

    def signup(n, chain):
        body = {"username": f"proxied{n}", "password": PASSWORD}
        return api.post("/api/auth/signup", body, format="json", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=chain)

    # the client varies what it writes; the proxy's own entry (rightmost) stays 1.2.3.4
    assert [signup(n, f"9.9.9.{n}, 1.2.3.4").status_code for n in range(3)] == [201, 201, 429]
    assert signup(3, "1.2.3.5").status_code == 201  # another real client behind the same proxy


def test_token_and_refresh_throttles_ignore_forged_headers(api, user, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "token", "3/minute")
    body = {"username": user.username, "password": PASSWORD}
    codes = [api.post("/api/auth/token", body, format="json", **forged()).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refresh = str(RefreshToken.for_user(user))
    response = api.post("/api/auth/token/refresh", {"refresh": refresh}, format="json", **forged())
    assert_problem(response, 429, "RATE_LIMITED")  # the same scope, the same client


def test_charge_throttle_is_per_user_whatever_the_header(client_for, user, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "charge", "2/minute")
    client = client_for(user)
    body = {"userId": user.pk, "amount": 100}
    codes = [client.post("/api/balance/charge", body, format="json", **forged()).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert LedgerEntry.objects.count() == 2


def test_order_throttle_is_per_user_whatever_the_header(client_for, user, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "order", "2/minute")
    product = make_product(price=1_000, stock=10)
    fund(user, 10_000)
    client = client_for(user)
    body = {"userId": user.pk, "products": [{"productId": product.pk, "quantity": 1}]}
    codes = [client.post("/api/orders", body, format="json", **forged()).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    assert Order.objects.filter(user=user).count() == 2


def test_coupon_issue_throttle_is_per_user_whatever_the_header(monkeypatch, client_for, user):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "coupon_issue", "2/minute")
    drops = [make_drop(name=f"위조 쿠폰 {n}", total_quantity=5) for n in range(3)]
    client = client_for(user)
    with time_machine.travel(timezone.now(), tick=False):  # one window
        codes = [
            client.post(
                "/api/coupon/issue", {"userId": user.pk, "couponId": d.pk}, format="json", **forged()
            ).status_code
            for d in drops
        ]
    assert codes == [201, 201, 429]


# --- the login guard -----------------------------------------------------------------------------


@pytest.fixture
def _guard(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 300


def test_login_guard_api_ignores_forged_headers(api, user, _guard):
    for _ in range(3):
        wrong = {"username": user.username, "password": "wrong"}
        assert_problem(api.post("/api/auth/token", wrong, format="json", **forged()), 401, "UNAUTHENTICATED")
    right = {"username": user.username, "password": PASSWORD}
    assert_problem(api.post("/api/auth/token", right, format="json", **forged()), 429, "RATE_LIMITED")


def test_login_guard_pages_ignore_forged_headers(client, user, staff, _guard):
    for _ in range(3):
        client.post("/accounts/login/", {"username": user.username, "password": "wrong"}, **forged())
        client.post("/admin/login/", {"username": staff.username, "password": "wrong"}, **forged())
    page = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}, **forged())
    assert page.status_code == 429
    admin = client.post("/admin/login/?next=/admin/", {"username": staff.username, "password": PASSWORD}, **forged())
    assert "로그인 시도가 너무 많습니다" in admin.content.decode()


# --- X-Forwarded-Proto, under production settings ------------------------------------------------

_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="localhost")
response = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({"header": settings.SECURE_PROXY_SSL_HEADER, "status": response.status_code}))
"""


def _production_probe(production_env, num_proxies: str | None) -> dict:
    env = dict(production_env)
    if num_proxies is not None:
        env["NUM_PROXIES"] = num_proxies
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_forged_proto_is_ignored_without_proxies(production_env):
    seen = _production_probe(production_env, None)
    assert seen == {"header": None, "status": 301}  # still sent to https: the header proved nothing


def test_proto_is_believed_behind_a_proxy(production_env):
    seen = _production_probe(production_env, "1")
    assert seen == {"header": ["HTTP_X_FORWARDED_PROTO", "https"], "status": 200}
