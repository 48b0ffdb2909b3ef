"""schemathesis over EVERY operation of the OpenAPI schema served at /api/schema/ (a new endpoint
is fuzzed as soon as it is in the schema), through the WSGI app on the test database.

Each operation gets at most MAX_EXAMPLES generated requests (valid and invalid ones), derandomized
so CI sees the same cases every run, with a shopper's JWT, then a shorter pass with a staff JWT. Checks:
no 5xx, the status code is documented, the body matches the documented schema, and the
Content-Type is the documented one (application/json or application/problem+json).

Generated requests also succeed, so the schemas of the 2xx answers get checked too: `fuzz_data`
seeds a product, coupon drops (one held by the shopper), a balance and a paid order, and the
`flatmap_case` hook points about half of the generated integer ids (`userId`, `productId`,
`orderId`, `couponId`, in path, query or body) at those rows; the other half, and every id of a
wrong type, stay as generated. `test_fuzzing_reaches_the_happy_paths` proves they do succeed."""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django_redis import get_redis_connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import checks as st_checks
from schemathesis.core.failures import FailureGroup

from orders.services import order_place
from tests.support.api import bearer
from tests.support.builders import fund, issue_coupon, make_drop, make_product

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

MAX_EXAMPLES = 25
STAFF_MAX_EXAMPLES = 10  # a second, shorter pass: staff see the staff-only operations succeed
CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.response_schema_conformance,
    st_checks.content_type_conformance,
]
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
STAFF_FUZZ_SETTINGS = settings(FUZZ_SETTINGS, max_examples=STAFF_MAX_EXAMPLES)

# Loaded once at collection from the schema the site serves; one test per operation and role.
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/",
    WSGIHandler(),
    config=schemathesis.Config.from_dict(
        {"seed": 8, "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True}}
    ),
)


# The rows generated ids are pointed at; filled per test by `fuzz_data` before any request.
SEEDED: dict[str, int] = {}
SEEDED_PRODUCTS: list[int] = []  # order lines point at these in turn (one product's lines sum to ≤ 100)


@pytest.fixture(autouse=True)
def fuzz_data(user):
    """A shop worth calling: the shopper (`user`, also whose data the staff pass acts on) holds
    1,000,000원, one coupon of a drop and a paid order; another drop is open to take."""
    products = [make_product(name=f"퍼징 상품 {n}", price=100, stock=100_000) for n in range(5)]
    product = products[0]
    held, fresh = make_drop(name="퍼징 쿠폰", discount_value=10), make_drop(name="퍼징 새 쿠폰", total_quantity=1_000)
    fund(user, 1_000_000)
    issue_coupon(user, held)
    order = order_place(user_id=user.pk, lines=[(product.pk, 1)])
    SEEDED.clear()
    SEEDED.update(userId=user.pk, productId=product.pk, orderId=order.pk, couponId=held.pk, freshCouponId=fresh.pk)
    SEEDED_PRODUCTS[:] = [p.pk for p in products]
    yield SEEDED
    SEEDED.clear()


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _aim(case):
    """Points the integer ids of a generated case at the seeded rows (in place)."""
    ids = dict(SEEDED)
    if case.operation.path == "/api/coupon/issue":
        ids["couponId"] = ids["freshCouponId"]
    for part in (case.path_parameters, case.query):
        if isinstance(part, dict):
            for name in ("userId", "productId", "orderId"):
                if _is_id(part.get(name)):
                    part[name] = ids[name]
    body = case.body
    if isinstance(body, dict):
        for name in ("userId", "couponId"):
            if _is_id(body.get(name)):
                body[name] = ids[name]
        lines = body.get("products") if isinstance(body.get("products"), list) else []
        for index, line in enumerate(lines):
            if isinstance(line, dict) and _is_id(line.get("productId")):
                line["productId"] = SEEDED_PRODUCTS[index % len(SEEDED_PRODUCTS)]
    return case


@schema.hook
def flatmap_case(context, case):
    return st.booleans().map(lambda aim: _aim(case) if aim and SEEDED else case)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # As Django's test client does: a request must not close the test's connection (and with it
    # the transaction pytest-django rolls back at the end).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _forget_rate_limits():
    """Every generated request comes from one address: without this, the scope throttles would
    answer 429 to most of them and hide what the views do with the rest."""
    cache.delete_pattern("throttle_*")
    cache.delete_pattern("login-failures:*")
    redis = get_redis_connection("default")  # the coupon issue throttle's own window counters
    for key in redis.scan_iter(match="throttle:*"):
        redis.delete(key)


@schema.parametrize()
@FUZZ_SETTINGS
def test_operation_as_a_shopper(case, user):
    _forget_rate_limits()
    case.call_and_validate(headers={"Authorization": bearer(user)}, checks=CHECKS)


@schema.parametrize()
@STAFF_FUZZ_SETTINGS
def test_operation_as_staff(case, staff):
    _forget_rate_limits()
    case.call_and_validate(headers={"Authorization": bearer(staff)}, checks=CHECKS)


# Operations whose success the seeded data makes reachable, with their success status.
HAPPY_PATHS = [
    ("POST", "/api/balance/charge", 200),
    ("GET", "/api/balance/{userId}", 200),
    ("GET", "/api/balance/{userId}/history", 200),
    ("POST", "/api/coupon/issue", 201),
    ("GET", "/api/coupon/users/{userId}", 200),
    ("GET", "/api/products/{productId}", 200),
    ("POST", "/api/orders", 201),
    ("GET", "/api/orders", 200),
    ("GET", "/api/orders/{orderId}", 200),
    ("POST", "/api/orders/{orderId}/cancel", 200),
]


@pytest.mark.parametrize(("method", "path", "status"), HAPPY_PATHS, ids=[f"{m} {p}" for m, p, _ in HAPPY_PATHS])
def test_fuzzing_reaches_the_happy_paths(user, method, path, status):
    """Valid generated requests (same schema, hook, data and checks as above) do succeed: without
    the seeding and aiming, generated ids name no row and every one of these would be a 4xx."""
    seen = []

    @given(case=schema[path][method].as_strategy())
    @FUZZ_SETTINGS
    def fuzz(case):
        _forget_rate_limits()
        seen.append(case.call_and_validate(headers={"Authorization": bearer(user)}, checks=CHECKS).status_code)

    fuzz()
    assert status in seen, sorted(seen)


def test_fuzzing_finds_a_planted_server_error(settings):
    """The machinery above must not go blind (throttles, auth or settings hiding the views): the
    same settings and checks, on an operation that crashes for names longer than 3 characters."""
    settings.ROOT_URLCONF = "tests.security.urls_fuzz_canary"
    canary_schema = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())
    operation = canary_schema["/api/test/canary"]["POST"]

    @given(case=operation.as_strategy())
    @FUZZ_SETTINGS
    def fuzz(case):
        case.call_and_validate(checks=CHECKS)

    with pytest.raises(FailureGroup) as failure:
        fuzz()
    assert "Server error" in str(failure.value)
