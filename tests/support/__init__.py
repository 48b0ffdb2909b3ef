"""The test toolbox: everything tests share, in one place. Tests import helpers from here, never
from another package's conftest; the fixture modules are plugins registered by tests/conftest.py.

- `api`: the problem-details assertion, JWT headers and clients.
- `factories`: factory_boy factories and direct-write setup (no services, no gate).
- `builders`: setup through the apps' own services (products, money, drops, coupons) and the
  snapshot of everything an order touches; an order body in API.md's shape.
- `concurrency`: `run_concurrently` (threads released together by a barrier) and `wait_for`.
- `network`: a free local port, and cache settings pointing at one (a real refused connection).
- `paths`: `ROOT`, the project folder (for subprocesses).
- plugins: `fixtures` (users, clients, the Redis flush, `redis_down`), `receivers` (the data
  platform as a real local HTTP server, delivery settings, a real Celery worker), `db_killer`.
"""
