"""Fixtures for tests/security (`db_killer` is in tests/support/db_killer.py)."""

import pytest

from tests.security.operations import all_operations


@pytest.fixture
def api_operations():
    return all_operations()
