"""Production settings refuse to start with a weak SECRET_KEY or DATA_PLATFORM_SECRET (loaded for
real, in a subprocess)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET_KEY = "k8Jq2vX9mZ4pL7nR1sT6wY3bD5fH0gA2cE8uI4oP6qW9eR1tY3uI5oP7aS9dF2gH4jK"
GOOD_PLATFORM_SECRET = "Zr4Nw8Qe2Lk6Hy0Ps3Vb7Xc1Mf5Tg9Ja-platform"


def _load_production(secret_key: str | None, platform_secret: str | None = GOOD_PLATFORM_SECRET):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATA_PLATFORM_SECRET"}}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key
    if platform_secret is not None:
        env["DATA_PLATFORM_SECRET"] = platform_secret
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_secret_key():
    result = _load_production(None)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_weak_secret_key():
    assert _load_production("short").returncode != 0
    assert _load_production("a" * 60).returncode != 0


def test_production_starts_with_real_secrets():
    result = _load_production(GOOD_SECRET_KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_production_refuses_the_default_data_platform_secret():
    result = _load_production(GOOD_SECRET_KEY, platform_secret=None)  # unset: the local default
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DATA_PLATFORM_SECRET" in result.stderr
    assert _load_production(GOOD_SECRET_KEY, platform_secret="local-data-platform-secret").returncode != 0


def test_production_refuses_a_short_or_repetitive_data_platform_secret():
    for weak in ("change-me", "Zr4Nw8Qe2Lk6Hy0Ps3Vb7Xc1Mf5Tg9J"[:31], "ab" * 20):
        result = _load_production(GOOD_SECRET_KEY, platform_secret=weak)
        assert result.returncode != 0, weak
        assert "DATA_PLATFORM_SECRET" in result.stderr
