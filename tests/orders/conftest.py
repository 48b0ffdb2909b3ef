import pytest

from tests.support.builders import fund


@pytest.fixture
def shopper(user):
    """A user with 100,000원 to spend (tests/browser has its own `shopper`, a fresh login)."""
    fund(user, 100_000)
    return user
