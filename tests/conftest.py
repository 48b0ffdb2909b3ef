"""The shared fixtures are plugins in tests/support (see its docstring); helpers are imported from
tests.support.*, never from a conftest."""

import pytest

# assert statements in the toolbox's helpers get pytest's detailed failure messages too
pytest.register_assert_rewrite("tests.support")

pytest_plugins = [
    "tests.support.fixtures",
    "tests.support.receivers",
    "tests.support.db_killer",
    "tests.support.servers",
]
