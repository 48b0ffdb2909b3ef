"""gunicorn's settings for production (Dockerfile, docker-compose.yml); gunicorn reads this file
from the working directory. The shape was chosen by measurement on the 2-core machine
(docs/benchmarks.md, "Choosing the server"): sync workers beat gthread on every scenario there.
Sync workers serve one request at a time and close the connection after it, so in production they
belong behind a buffering reverse proxy or load balancer (slow clients must not hold a worker)."""

import os

worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))  # about 2 per core
backlog = 2048
# The workers' heartbeat file is touched on every request: keep it in memory, not on the disk.
# gunicorn creates its own unlinked temporary file there (mkstemp), as it would under /tmp.
_SHM = "/dev/shm"  # noqa: S108
if os.path.isdir(_SHM):
    worker_tmp_dir = _SHM
