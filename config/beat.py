"""Celery beat with a heartbeat, so a health check can tell a live beat from a dead or stuck one.

Beat answers nothing over the broker (a worker answers `inspect ping`; beat only publishes), so
its scheduler touches a file on every tick instead. Run with `--max-interval 30` the loop ticks at
least every 30 s, whether or not a task is due (docker-compose.yml):

    celery -A config beat -S config.beat.HeartbeatScheduler --max-interval 30 ...
    python -m config.beat --check        # exit 0 when the heartbeat is fresh, 1 (and why) when not

A tick that publishes into a dead broker still counts as a heartbeat: beat is alive, and the
broker's outage shows elsewhere (docs/runbook.md, "Broker down").
"""

import argparse
import os
import sys
import time
from pathlib import Path

from celery.beat import PersistentScheduler

_VAR_DIR = Path(os.environ.get("VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
HEARTBEAT = Path(os.environ.get("BEAT_HEARTBEAT_FILE", _VAR_DIR / "beat-heartbeat"))
# Four missed ticks of a 30 s loop: a slow tick under load is not a dead beat.
MAX_AGE_SECONDS = float(os.environ.get("BEAT_HEARTBEAT_MAX_AGE_SECONDS", "120"))


class HeartbeatScheduler(PersistentScheduler):
    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        HEARTBEAT.parent.mkdir(parents=True, exist_ok=True)
        HEARTBEAT.touch()
        return interval


def heartbeat_age(now: float | None = None) -> float | None:
    """Seconds since the last tick, or None when beat never ticked here."""
    try:
        mtime = HEARTBEAT.stat().st_mtime
    except FileNotFoundError:
        return None
    return (time.time() if now is None else now) - mtime


def check() -> int:
    age = heartbeat_age()
    if age is None:
        print(f"beat: no heartbeat at {HEARTBEAT} (beat not started, or not with HeartbeatScheduler)")
        return 1
    if age > MAX_AGE_SECONDS:
        print(f"beat: the last tick was {age:.0f} s ago (more than {MAX_AGE_SECONDS:.0f} s): beat is dead or stuck")
        return 1
    print(f"beat: ticked {age:.0f} s ago")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 0 when beat ticked recently")
    if parser.parse_args().check:
        sys.exit(check())
    parser.print_help()
