"""A PostgreSQL primary (its own data folder and port) and a streaming replica of it made with
`pg_basebackup -R`, on 127.0.0.1, removed on stop: for the replica drill (tests/scaling) and the
benchmark's replica runs (`dev.py bench --replica`). PostgreSQL refuses to run as root, so as root
every server command runs as the `postgres` user; as anyone else, as that user."""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from devtools.network import free_port, wait_for


class ServerUnavailable(Exception):
    """A server a drill or a benchmark needs could not be started here."""


def _pg_bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        return Path(pg_ctl).parent
    raise ServerUnavailable("no PostgreSQL server binaries (pg_ctl) on this machine")


class PostgresPair:
    """A primary and its streaming replica. `url(...)` gives a libpq URL for either."""

    def __init__(self) -> None:
        self.bindir = _pg_bindir()
        self.as_root = os.geteuid() == 0
        self.user = "postgres" if self.as_root else pwd.getpwuid(os.geteuid()).pw_name
        self.base = Path(tempfile.mkdtemp(prefix="shop-pg-pair-"))
        self.primary_dir, self.replica_dir = self.base / "primary", self.base / "replica"
        self.primary_port, self.replica_port = free_port(), free_port()
        self._started: list[Path] = []

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / tool), *args]
        if self.as_root:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=self.base)
        if check and result.returncode:
            raise ServerUnavailable(f"{tool} failed ({result.returncode}): {result.stderr.strip()[-800:]}")
        return result

    def _pg_ctl_start(self, data: Path, port: int) -> None:
        options = f"-p {port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(data), "-l", str(data / "server.log"), "-o", options, "-w", "-t", "60", "start")
        self._started.append(data)

    def start(self) -> "PostgresPair":
        if self.as_root:
            shutil.chown(self.base, self.user)
        self._run("initdb", "-D", str(self.primary_dir), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
        self._pg_ctl_start(self.primary_dir, self.primary_port)
        self.sql("primary", "CREATE DATABASE shop", database="postgres")
        self._run(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres"),
            *("-D", str(self.replica_dir), "-R", "-X", "stream", "--no-sync"),
        )
        self._pg_ctl_start(self.replica_dir, self.replica_port)
        wait_for(lambda: self.sql("replica", "SELECT pg_is_in_recovery()") == "t", timeout=30)
        return self

    def stop(self) -> None:
        for data in reversed(self._started):
            self._run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.base, ignore_errors=True)

    def port(self, which: str) -> int:
        return self.primary_port if which == "primary" else self.replica_port

    def url(self, which: str, database: str = "shop") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port(which)}/{database}"

    def sql(self, which: str, statement: str, *, database: str = "shop") -> str:
        import psycopg

        with psycopg.connect(self.url(which, database), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(statement)
            row = cursor.fetchone() if cursor.description else None
        if row is None:
            return ""
        value = row[0]
        return "t" if value is True else "f" if value is False else str(value)

    def pause_replay(self) -> None:
        self.sql("replica", "SELECT pg_wal_replay_pause()")
        wait_for(
            lambda: self.sql("replica", "SELECT pg_get_wal_replay_pause_state()") == "paused",
            timeout=10,
        )

    def resume_replay(self) -> None:
        self.sql("replica", "SELECT pg_wal_replay_resume()")

    def wait_caught_up(self, timeout: float = 30) -> None:
        target = self.sql("primary", "SELECT pg_current_wal_lsn()")
        wait_for(
            lambda: self.sql("replica", f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") == "t",
            timeout=timeout,
        )
