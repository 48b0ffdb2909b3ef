"""Real threads on the real database, released together; and polling for what another thread or
process does."""

import threading
import time
from collections.abc import Callable, Iterable

from django.db import connection

from devtools.network import wait_for

__all__ = ["run_concurrently", "wait_for"]

BARRIER_TIMEOUT = 30.0  # seconds for every thread to reach the start line on a loaded machine


def run_concurrently(
    calls: Iterable[Callable],
    *,
    workers: int | None = None,
    while_running: Callable | None = None,
    timeout: float = 300.0,
) -> list:
    """Runs the callables on `workers` threads (one per call by default) that a barrier releases
    together; each thread then takes the next call not yet taken. Returns each call's result or
    the exception it raised, in the order of `calls`: the caller asserts on which came back.

    `while_running` runs on this thread once the threads are started (to act mid-race). Each thread
    closes its database connection when done. A thread that never reaches the barrier, or is
    still running after `timeout` seconds, fails the test here."""
    calls = list(calls)
    results: list = [None] * len(calls)
    if not calls:
        return results
    count = min(workers or len(calls), len(calls))
    barrier = threading.Barrier(count)
    queue = iter(enumerate(calls))
    take = threading.Lock()
    broken: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait(timeout=BARRIER_TIMEOUT)
            while True:
                with take:
                    taken = next(queue, None)
                if taken is None:
                    return
                index, call = taken
                try:
                    results[index] = call()
                except BaseException as error:
                    results[index] = error
        except threading.BrokenBarrierError as error:
            broken.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    if while_running is not None:
        while_running()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not broken, f"{len(broken)} of {count} threads never reached the barrier: {broken[0]!r}"
    assert not any(thread.is_alive() for thread in threads), f"threads still running after {timeout}s"
    return results
