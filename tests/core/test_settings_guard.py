import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load_production(secret_key: str | None):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key
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


def test_production_starts_with_real_secret_key():
    result = _load_production("k8Jq2vX9mZ4pL7nR1sT6wY3bD5fH0gA2cE8uI4oP6qW9eR1tY3uI5oP7aS9dF2gH4jK")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
