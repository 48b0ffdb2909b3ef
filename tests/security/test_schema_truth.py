"""The OpenAPI schema tells the truth: schemathesis with all its checks (`--checks all`: no 5xx,
documented status codes and content types, response bodies matching the schema, schema-valid
requests accepted and schema-invalid ones refused, auth enforced) finds nothing, run by its CLI
against the schema a live server started here serves, with a shopper's JWT.

Bounded: MAX_EXAMPLES cases per operation and phase, a fixed seed, so CI sees the same cases
every run. Throttles and the login guard are set out of reach (they would answer 429 to a run
that fires from one address; throttling is tested in test_abuse_limits / test_client_identity).
tests/security/schemathesis_hooks.py keeps the two rules of use no schema can state (fresh
Idempotency-Keys, fresh usernames); tests/security/test_api_fuzz.py fuzzes each operation with
seeded data through the WSGI app."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.throttling import ScopedRateThrottle

from tests.support.api import bearer
from tests.support.builders import fund, make_product

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
MAX_EXAMPLES = 8
SEED = 17
UNLIMITED = "1000000/second"


@pytest.fixture
def out_of_reach_limits(settings, monkeypatch):
    for scope in ScopedRateThrottle.THROTTLE_RATES:
        monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, scope, UNLIMITED)
    rates = {scope: UNLIMITED for scope in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    settings.LOGIN_FAILURE_LIMIT = 1_000_000


def test_schemathesis_with_all_checks_finds_nothing(live_server, user, out_of_reach_limits, tmp_path):
    fund(user, 1_000_000)
    make_product(name="스키마 상품", price=100, stock=1_000)
    env = dict(os.environ, SCHEMATHESIS_HOOKS="tests.security.schemathesis_hooks", PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            f"{live_server.url}/api/schema/",
            "--checks",
            "all",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            str(SEED),
            "--generation-deterministic",
            "--header",
            f"Authorization: {bearer(user)}",
            "--no-color",
            "--report-dir",
            str(tmp_path),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-12_000:] + result.stderr[-2_000:]
    assert "No issues found" in result.stdout or "passed" in result.stdout
