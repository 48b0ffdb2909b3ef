"""Where the worker processes of a WSGI server keep their Prometheus counters, and when it is wiped.

prometheus-client's multiprocess mode: each process writes its counters and histograms to
memory-mapped files in one folder, and a scrape (answered by any one worker) adds up all of them.
The folder must be named before prometheus-client is imported (it picks its storage at import
time), so `config/wsgi.py` calls `enable()` first thing: every WSGI server (granian, gunicorn, any
number of workers) gets it with no setup by whoever starts it. Celery and manage.py keep
prometheus-client's in-process storage: nothing scrapes them.

Wiping: a folder left by an earlier server would add that server's totals to the new one's forever
and grow with every restart. Each process leaves a `pid_<pid>` marker (its start time inside) in
the folder; the first process to find no other *live* marker is the first of a new server, and
empties the folder. A worker respawned while its siblings live keeps the dead one's files, so the
sums never go down while the server runs (a whole-server restart is a counter reset, which
Prometheus expects). This module imports nothing heavy: it runs before Django.
"""

import contextlib
import fcntl
import os
from pathlib import Path

ENV_NAME = "PROMETHEUS_MULTIPROC_DIR"
LOCK_NAME = ".lock"
MARKER_PREFIX = "pid_"


def default_dir() -> Path:
    base = Path(__file__).resolve().parent.parent
    return Path(os.environ.get("METRICS_DIR") or Path(os.environ.get("VAR_DIR") or base / "var") / "metrics")


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/PID/stat field 22), or None when
    no such process lives. Together with the pid it names a process even after the pid is reused."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _alive(marker: Path) -> bool:
    try:
        pid = int(marker.name[len(MARKER_PREFIX) :])
        recorded = marker.read_text().strip()
    except (ValueError, OSError):
        return False
    return pid != os.getpid() and _start_time(pid) == recorded


def enable() -> Path:
    """Turns on multiprocess mode for this process (unless the environment already names a folder,
    which is then used as it is) and wipes the folder when this is the first process of a server."""
    folder = Path(os.environ.get(ENV_NAME) or default_dir())
    folder.mkdir(parents=True, exist_ok=True)
    os.environ[ENV_NAME] = str(folder)
    with open(folder / LOCK_NAME, "w") as lock:
        # Workers start together: the check and the marker under one lock, so exactly one wipes.
        fcntl.flock(lock, fcntl.LOCK_EX)
        markers = list(folder.glob(f"{MARKER_PREFIX}*"))
        if not any(_alive(marker) for marker in markers):
            for path in folder.iterdir():
                if path.name != LOCK_NAME:
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
        (folder / f"{MARKER_PREFIX}{os.getpid()}").write_text(_start_time(os.getpid()) or "")
    return folder
