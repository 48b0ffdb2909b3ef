import pytest

from tests.security.operations import all_operations


@pytest.fixture
def api_operations():
    return all_operations()
