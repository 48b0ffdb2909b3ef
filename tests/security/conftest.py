"""Fixtures for tests/security (`db_killer` is in tests/support/db_killer.py); `production_env`
for subprocesses under production settings."""

import os
import subprocess
import sys

import pytest

from tests.security.operations import all_operations
from tests.support.paths import ROOT

PRODUCTION_SECRETS = {
    "SECRET_KEY": "k8Jq2vX9mZ4pL7nR1sT6wY3bD5fH0gA2cE8uI4oP6qW9eR1tY3uI5oP7aS9dF2gH4jK",
    "DATA_PLATFORM_SECRET": "Zr4Nw8Qe2Lk6Hy0Ps3Vb7Xc1Mf5Tg9Ja-platform",
}


@pytest.fixture(scope="session")
def production_env(tmp_path_factory):
    """The environment of a subprocess under `config.settings.production`: real secrets, no
    security or proxy overrides from the caller's environment, and static files collected into a
    VAR_DIR of its own (the manifest storage cannot render a page without them)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "SESSION_", "CSRF_", "NUM_PROXIES"))}
    env.update(PRODUCTION_SECRETS)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    env["VAR_DIR"] = str(tmp_path_factory.mktemp("production-var"))
    subprocess.run(
        # without the API docs' bundles (9 MB to hash and compress): no probe renders /api/docs/
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0", "-i", "swagger-ui-dist", "-i", "redoc"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=900,
    )
    return env


@pytest.fixture
def api_operations():
    return all_operations()
