"""The waiting room's admission for the `queue` benchmark: the site's Celery app and its own
`waiting_room.admit` task, run by a real beat and a real worker beside the server.

Beat's schedule is cut down to the site's `waiting-room-admit` entry (every second, a tick that
waited past the next one expires) and that task goes to a queue of its own that only this worker
reads: the earlier scenarios' orders each left a delivery task in the broker's default queue,
which nobody consumes without `--worker`, and a tick queued behind thousands of them would expire
before it ran. So the benchmark measures the room, not that backlog (a deployment with a busy
delivery queue wants the same split: docs/benchmarks.md, the queue row).

    celery -A loadtests.queue_celery beat ...      # started by `admission(env)`, stopped with it
    celery -A loadtests.queue_celery worker -Q bench-waiting-room -P solo ...
"""

import contextlib
import os
import subprocess
import tempfile

from config.celery import app
from loadtests.common import PY, ROOT, SERVER_LOG

QUEUE = "bench-waiting-room"
_entry = dict(app.conf.beat_schedule["waiting-room-admit"])
_entry["options"] = {**_entry.get("options", {}), "queue": QUEUE}
app.conf.beat_schedule = {"waiting-room-admit": _entry}
app.conf.task_routes = {"waiting_room.admit": {"queue": QUEUE}}

__all__ = ["QUEUE", "admission", "app"]


def _stop(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, 15)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 9)
        proc.wait(timeout=10)


@contextlib.contextmanager
def admission(env: dict):
    """Beat and a solo worker for the admission ticks, each in its own process group (stopped on
    exit, whatever happened); their log lines go to the server's log (var/bench/server.log)."""
    schedule = tempfile.mkdtemp(prefix="bench-beat-")
    common = [PY, "-m", "celery", "-A", "loadtests.queue_celery"]
    worker = common + ["worker", "-Q", QUEUE, "-P", "solo", "-l", "WARNING", "-n", f"bench-queue-{os.getpid()}@%h"]
    worker += ["--without-heartbeat", "--without-gossip", "--without-mingle"]
    beat = common + ["beat", "-l", "WARNING", "-s", os.path.join(schedule, "celerybeat-schedule")]
    procs = []
    try:
        with open(SERVER_LOG, "ab") as log:
            for cmd in (worker, beat):
                procs.append(
                    subprocess.Popen(
                        cmd, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=log
                    )
                )
        yield procs
    finally:
        for proc in procs:
            _stop(proc)
        with contextlib.suppress(OSError):
            for name in os.listdir(schedule):
                os.unlink(os.path.join(schedule, name))
            os.rmdir(schedule)
