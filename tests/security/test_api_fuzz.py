"""schemathesis over EVERY operation of the OpenAPI schema served at /api/schema/ (a new endpoint
is fuzzed as soon as it is in the schema), through the WSGI app on the test database.

Each operation gets at most MAX_EXAMPLES generated requests (valid and invalid ones), derandomized
so CI sees the same cases every run, with a shopper's JWT, then a shorter pass with a staff JWT. Checks:
no 5xx, the status code is documented, the body matches the documented schema, and the
Content-Type is the documented one (application/json or application/problem+json)."""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import checks as st_checks
from schemathesis.core.failures import FailureGroup

from tests.conftest import bearer

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
