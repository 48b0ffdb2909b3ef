"""Baseline: `/api/health` through the production server. Other benchmarks report against it.

.venv/bin/python -m loadtests.bench_health [--seconds 10] [--connections 50]
"""

import argparse

from loadtests.common import TABLE_HEADER, Server, bench_environment, machine_facts, wrk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    with bench_environment() as env, Server(env) as base:
        print(machine_facts())
        print(TABLE_HEADER)
        print(wrk(f"{base}/api/health", connections=args.connections, duration=args.seconds).row("/api/health"))


if __name__ == "__main__":
    main()
