"""core.api.throttling.ScopedRateThrottle: DRF's sliding window per scope and user, on the real
test Redis."""

from types import SimpleNamespace

import pytest
import time_machine
from rest_framework import throttling as drf_throttling

from core.api.throttling import ScopedRateThrottle

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(monkeypatch):
    monkeypatch.setitem(drf_throttling.ScopedRateThrottle.THROTTLE_RATES, "test_scope", "3/minute")


def _request(user_id):
    return SimpleNamespace(user=SimpleNamespace(pk=user_id, is_authenticated=True), META={})


VIEW = SimpleNamespace(throttle_scope="test_scope")


def test_allows_the_rate_then_refuses_with_the_wait(rates):
    with time_machine.travel(1_800_000_000, tick=False) as traveller:
        throttle = ScopedRateThrottle()
        assert [throttle.allow_request(_request(1), VIEW) for _ in range(3)] == [True, True, True]
        traveller.shift(10)
        refused = ScopedRateThrottle()
        assert refused.allow_request(_request(1), VIEW) is False
        assert refused.wait() == pytest.approx(50, abs=0.01)  # the oldest of the 3 leaves the window at 60 s


def test_window_slides(rates):
    with time_machine.travel(1_800_000_000, tick=False) as traveller:
        assert ScopedRateThrottle().allow_request(_request(2), VIEW)
        traveller.shift(30)
        assert ScopedRateThrottle().allow_request(_request(2), VIEW)
        assert ScopedRateThrottle().allow_request(_request(2), VIEW)
        assert not ScopedRateThrottle().allow_request(_request(2), VIEW)
        traveller.shift(30.5)  # the first one has left the window, the other two have not
        assert ScopedRateThrottle().allow_request(_request(2), VIEW)
        assert not ScopedRateThrottle().allow_request(_request(2), VIEW)


def test_refused_requests_do_not_count(rates):
    with time_machine.travel(1_800_000_000, tick=False) as traveller:
        for _ in range(10):
            ScopedRateThrottle().allow_request(_request(3), VIEW)
        traveller.shift(60.5)
        assert [ScopedRateThrottle().allow_request(_request(3), VIEW) for _ in range(4)] == [True, True, True, False]


def test_users_and_scopes_are_separate(rates, monkeypatch):
    monkeypatch.setitem(drf_throttling.ScopedRateThrottle.THROTTLE_RATES, "other_scope", "1/minute")
    for _ in range(3):
        assert ScopedRateThrottle().allow_request(_request(4), VIEW)
    assert not ScopedRateThrottle().allow_request(_request(4), VIEW)
    assert ScopedRateThrottle().allow_request(_request(5), VIEW)
    assert ScopedRateThrottle().allow_request(_request(4), SimpleNamespace(throttle_scope="other_scope"))


def test_views_without_a_scope_are_not_throttled():
    assert all(ScopedRateThrottle().allow_request(_request(6), SimpleNamespace()) for _ in range(100))
