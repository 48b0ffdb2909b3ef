"""`dev.py bench --nodes N`: N web nodes (each its own granian) behind Debian's HAProxy, measured
as one server (the sampler sums every node's processes)."""

from contextlib import ExitStack

from devtools import haproxy
from loadtests.common import Server


class Nodes:
    def __init__(self, servers: list[Server]):
        self.servers = servers
        self._stack = ExitStack()

    def __enter__(self) -> str:
        with ExitStack() as stack:
            for server in self.servers:
                stack.enter_context(server)
            base = stack.enter_context(haproxy.balancer([server.port for server in self.servers]))
            self._stack = stack.pop_all()
        return base

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def main_pids(self) -> list[int]:
        return [pid for server in self.servers for pid in server.main_pids()]

    def worker_pids(self) -> list[int]:
        return [pid for server in self.servers for pid in server.worker_pids()]
