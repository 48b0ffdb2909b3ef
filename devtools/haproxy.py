"""Debian's HAProxy in front of several web nodes on 127.0.0.1, for the many-nodes drills and
`dev.py bench --nodes N`. Standard library only.

    with haproxy.balancer([port1, port2]) as base:   # round robin, health-checked on /api/health
        ...

It adds `X-Forwarded-For`, so the nodes run with `NUM_PROXIES=1` (the client is the address the
proxy saw, not whatever a client writes in that header).
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from devtools.network import free_port


class ProxyMissing(SystemExit):
    """HAProxy is missing and cannot be installed here: say why."""


def ensure() -> str:
    """The haproxy binary, installed with apt-get (as root) when missing."""
    found = shutil.which("haproxy") or (os.path.exists("/usr/sbin/haproxy") and "/usr/sbin/haproxy")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise ProxyMissing("haproxy is missing; install Debian's package as root: apt-get install -y haproxy")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-q", "haproxy"]
    print("==> installing Debian's haproxy for the many-nodes drills (apt-get)", flush=True)
    if subprocess.run(install, env=env).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=False)
        if subprocess.run(install, env=env).returncode != 0:
            raise ProxyMissing("apt-get install haproxy failed; see the output above")
    return ensure()


def config(listen_port: int, backend_ports: list[int]) -> str:
    servers = "\n".join(
        f"    server node{n} 127.0.0.1:{port} check inter 2s fall 3 rise 1"
        for n, port in enumerate(backend_ports, start=1)
    )
    return f"""global
    maxconn 8192

defaults
    mode http
    option forwardfor
    option http-keep-alive
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    # a node busy with a stampede answers its health check late: only a dead one leaves the pool
    timeout check 5s

frontend shop
    bind 127.0.0.1:{listen_port}
    default_backend web

backend web
    balance roundrobin
    option httpchk
    http-check send meth GET uri /api/health ver HTTP/1.1 hdr Host 127.0.0.1
{servers}
"""


@contextlib.contextmanager
def balancer(backend_ports: list[int]) -> Iterator[str]:
    """HAProxy round-robin over `backend_ports`; yields its base URL, stops it on exit."""
    binary = ensure()
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="shop-haproxy-"))
    cfg = folder / "haproxy.cfg"
    cfg.write_text(config(port, backend_ports))
    proc = subprocess.Popen([binary, "-db", "-f", str(cfg)], start_new_session=True, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise ProxyMissing(f"haproxy did not start (exit {proc.poll()}); config in {cfg}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
