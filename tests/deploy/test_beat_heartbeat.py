"""Celery beat's health check (config/beat.py) against a real beat process on the test broker."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def _wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def _mtime(path: Path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0


def test_the_heartbeat_moves_while_beat_runs_and_the_check_fails_once_it_stops(tmp_path, settings):
    heartbeat = tmp_path / "beat-heartbeat"
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        TEST_CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        BEAT_HEARTBEAT_FILE=str(heartbeat),
    )

    def check():
        return subprocess.run(
            [sys.executable, "-m", "config.beat", "--check"], cwd=ROOT, env=env, capture_output=True, text=True
        )

    never_started = check()
    assert never_started.returncode == 1 and "no heartbeat" in never_started.stdout

    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "WARNING"]
        + ["-S", "config.beat.HeartbeatScheduler", "--max-interval", "1", "-s", str(tmp_path / "schedule")],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(heartbeat.exists)
        first = _mtime(heartbeat)
        _wait_for(lambda: _mtime(heartbeat) > first)  # it keeps ticking, not only once at start
        alive = check()
        assert alive.returncode == 0, alive.stdout
    finally:
        os.killpg(beat.pid, signal.SIGKILL)
        beat.wait(timeout=30)

    # a dead beat's heartbeat ages: ten minutes later the check fails and says so
    old = time.time() - 600
    os.utime(heartbeat, (old, old))
    dead = check()
    assert dead.returncode == 1 and "dead or stuck" in dead.stdout
