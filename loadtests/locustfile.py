"""Locust scenarios a shop runs before a sale, against any base URL (API.md's contract only).

Headless, one scenario by tag (browse, search, top, coupon, order, charge) or the whole weighted mix:

    .venv/bin/locust -f loadtests/locustfile.py --headless -H http://127.0.0.1:8000 \\
        -u 200 -r 50 -t 60s --tags coupon
    .venv/bin/locust -f loadtests/locustfile.py -H http://127.0.0.1:8000      # web UI on :8089

Users and tokens, in this order:
- `SHOP_TOKENS_FILE`: `userId accessToken` lines, as written by the benchmark seeder
  (`python3 dev.py bench --serve 900` prints the path); each simulated user takes the next line.
- otherwise each simulated user signs up (`/api/auth/signup`) and logs in (`/api/auth/token`).
  Those endpoints are throttled per client address (THROTTLE_SIGNUP, THROTTLE_TOKEN): on a site of
  your own raise them for the test, or use a tokens file.

Ids: `SHOP_CONTEXT_FILE` (the seeder's context.json) or `SHOP_COUPON_ID` / `SHOP_HOT_PRODUCT_ID`;
otherwise the first open drop from `GET /api/coupons` and the first product on page 0.
A sold-out coupon, an already-issued coupon and an out-of-stock product are the shop answering
correctly under a stampede: they count as successes and are tallied separately at the end; 429
and anything else not 2xx are failures. `SHOP_WAIT=1-3` adds think time (default: none).
"""

import itertools
import json
import os
import random
import secrets
import threading
from collections import Counter
from urllib.parse import quote

from locust import FastHttpUser, between, constant, events, tag, task

KEYWORDS = ["사과", "한우", "키보드", "이어폰", "텀블러", "유기농", "무선", "캠핑", "수건", "원두", "감귤", "프리미엄"]
EXPECTED = {"COUPON_SOLD_OUT", "COUPON_ALREADY_ISSUED", "OUT_OF_STOCK"}

_lock = threading.Lock()
_tokens = None
_context: dict = {}
business_answers: Counter = Counter()


def _wait_time():
    spec = os.environ.get("SHOP_WAIT", "0")
    if "-" in spec:
        low, high = (float(x) for x in spec.split("-", 1))
        return between(low, high)
    return constant(float(spec))


def _next_token():
    """The next `(userId, token)` of SHOP_TOKENS_FILE, or None without one."""
    global _tokens
    path = os.environ.get("SHOP_TOKENS_FILE")
    if not path:
        return None
    with _lock:
        if _tokens is None:
            with open(path, encoding="ascii") as fh:
                lines = [line.split() for line in fh if line.strip()]
            start = random.randrange(len(lines))  # several processes start at different users
            _tokens = itertools.cycle([(int(uid), tok) for uid, tok in lines[start:] + lines[:start]])
        return next(_tokens)


def _problem_code(response) -> str:
    try:
        return response.json().get("code", "")
    except Exception:
        return ""


class ShopUser(FastHttpUser):
    """A shopper during a sale. Task weights are the realistic mix; tags select one scenario."""

    wait_time = _wait_time()

    def on_start(self):
        self._load_context()
        pair = _next_token()
        if pair is None:
            pair = self._sign_up()
        self.user_id, token = pair
        self.auth = {"Authorization": f"Bearer {token}"}

    def _sign_up(self):
        username = f"lt_{secrets.token_hex(6)}"
        password = f"Lt!{secrets.token_urlsafe(12)}"
        credentials = {"username": username, "password": password}
        with self.client.post("/api/auth/signup", json=credentials, name="auth signup", catch_response=True) as r:
            if r.status_code != 201:
                r.failure(f"signup {r.status_code} {_problem_code(r)}")
                raise RuntimeError("signup failed (throttled? see THROTTLE_SIGNUP)")
            user_id = r.json()["userId"]
        with self.client.post("/api/auth/token", json=credentials, name="auth token", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"token {r.status_code} {_problem_code(r)}")
                raise RuntimeError("token failed")
            return user_id, r.json()["access"]

    def _load_context(self):
        with _lock:
            if _context:
                return
            path = os.environ.get("SHOP_CONTEXT_FILE")
            if path:
                with open(path, encoding="utf-8") as fh:
                    _context.update(json.load(fh))
            if os.environ.get("SHOP_COUPON_ID"):
                _context["couponId"] = int(os.environ["SHOP_COUPON_ID"])
            if os.environ.get("SHOP_HOT_PRODUCT_ID"):
                _context["hotProductId"] = int(os.environ["SHOP_HOT_PRODUCT_ID"])
            if "couponId" not in _context:
                drops = self.client.get("/api/coupons", name="discover coupons").json().get("items", [])
                open_drops = [d for d in drops if d.get("remainingQuantity", 0) > 0] or drops
                _context["couponId"] = open_drops[0]["couponId"] if open_drops else 0
            if "hotProductId" not in _context or "maxProductId" not in _context:
                page = self.client.get("/api/products?page=0&size=1", name="discover products").json()
                first = page["items"][0]["id"] if page.get("items") else 1
                _context.setdefault("hotProductId", first)
                _context.setdefault("maxProductId", max(first, page.get("totalItems", 1)))

    def _business(self, response, ok: int, name: str):
        if response.status_code == ok:
            response.success()
            return
        code = _problem_code(response)
        if response.status_code == 409 and code in EXPECTED:
            business_answers[f"{name}: {code}"] += 1
            response.success()
        elif response.status_code == 429:
            response.failure("429 RATE_LIMITED")
        else:
            response.failure(f"{response.status_code} {code}")

    @tag("browse")
    @task(30)
    def product_list(self):
        self.client.get(f"/api/products?page={random.randrange(50)}&size=20", name="/api/products?page=[n]")

    @tag("browse", "search")
    @task(10)
    def product_search(self):
        keyword = quote(random.choice(KEYWORDS))
        self.client.get(f"/api/products?keyword={keyword}&page=0&size=20", name="/api/products?keyword=[kw]")

    @tag("browse")
    @task(15)
    def product_detail(self):
        product_id = random.randint(1, max(1, _context.get("maxProductId", 1)))
        with self.client.get(f"/api/products/{product_id}", name="/api/products/[id]", catch_response=True) as r:
            if r.status_code in (200, 404):  # ids can have gaps (deleted or inactive products)
                r.success()

    @tag("top")
    @task(15)
    def best_sellers(self):
        self.client.get("/api/products/top")

    @tag("coupon")
    @task(15)
    def coupon_issue(self):
        body = {"userId": self.user_id, "couponId": _context["couponId"]}
        with self.client.post(
            "/api/coupon/issue", json=body, headers=self.auth, name="/api/coupon/issue", catch_response=True
        ) as r:
            self._business(r, 201, "coupon")

    @tag("order")
    @task(10)
    def hot_product_order(self):
        body = {"userId": self.user_id, "products": [{"productId": _context["hotProductId"], "quantity": 1}]}
        with self.client.post(
            "/api/orders", json=body, headers=self.auth, name="/api/orders", catch_response=True
        ) as r:
            self._business(r, 201, "order")

    @tag("charge")
    @task(5)
    def charge(self):
        body = {"userId": self.user_id, "amount": 1000}
        with self.client.post(
            "/api/balance/charge", json=body, headers=self.auth, name="/api/balance/charge", catch_response=True
        ) as r:
            self._business(r, 200, "charge")


@events.quitting.add_listener
def _report_business_answers(environment, **kwargs):
    if business_answers:
        print("Expected business answers (counted as successes):")
        for key, n in sorted(business_answers.items()):
            print(f"  {key}: {n}")
