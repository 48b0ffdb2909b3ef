"""`db_killer` terminates the PostgreSQL backend of this thread's connection, for real, from a
second connection: `db_killer.kill_now()`, or `with db_killer.on_sql('INSERT INTO "orders_'):` to
kill it just before the first matching statement runs, i.e. mid-request, after the earlier
statements of the same transaction succeeded. Use it with `pytest.mark.django_db(transaction=True)`.
A plugin registered by tests/conftest.py."""

import contextlib
import time

import psycopg
import pytest
from django.db import connection


class DbKiller:
    """Terminates this thread's PostgreSQL backend from a second, independent connection."""

    def _admin_connection(self):
        s = connection.settings_dict
        return psycopg.connect(
            host=s["HOST"] or None,
            port=s["PORT"] or None,
            user=s["USER"] or None,
            password=s["PASSWORD"] or None,
            dbname=s["NAME"],
            autocommit=True,
            connect_timeout=5,
        )

    def kill_now(self) -> int:
        connection.ensure_connection()
        pid = connection.connection.info.backend_pid
        with self._admin_connection() as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0] is True
            deadline = time.monotonic() + 5
            while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                assert time.monotonic() < deadline, f"backend {pid} did not exit"
                time.sleep(0.02)
        return pid

    @contextlib.contextmanager
    def on_sql(self, prefix: str):
        """Kill the backend right before the first statement starting with `prefix` runs."""
        fired = []

        def wrapper(execute, sql, params, many, context):
            if not fired and sql.lstrip().startswith(prefix):
                fired.append(self.kill_now())
            return execute(sql, params, many, context)

        with connection.execute_wrapper(wrapper):
            yield fired
        assert fired, f"no statement started with {prefix!r}"


@pytest.fixture
def db_killer():
    yield DbKiller()
    # the killed connection is unusable: drop it so the test database can be flushed
    connection.close()
