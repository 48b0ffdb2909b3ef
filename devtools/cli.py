"""`python3 dev.py run | test | check | manage | bench | lock`: see dev.py."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from devtools import audit, browser, haproxy, locks
from devtools.engines import EMBEDDED_DATABASE_ENV, ROOT, VAR, engines

PY = sys.executable
DEMO_LOGINS = (
    ("쇼핑 고객", "shopper", "shopper1234!"),
    ("관리자(스태프)", "staff", "staff1234!"),
)


def _env(urls: dict, settings: str) -> dict:
    env = dict(os.environ)
    env.pop(EMBEDDED_DATABASE_ENV, None)  # only engines() may say the database is the embedded one
    env.update(urls)
    env.setdefault("CELERY_BROKER_URL", urls["REDIS_URL"])
    env["DJANGO_SETTINGS_MODULE"] = settings
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _manage(env: dict, *args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


class Supervisor:
    """Starts each child in its own session so that stopping kills its whole process group:
    Ctrl-C (or any child dying) stops everything, and nothing is left behind."""

    def __init__(self, env: dict):
        self.env = env
        self.children: dict[str, subprocess.Popen] = {}

    def start(self, name: str, args: list[str]) -> None:
        self.children[name] = subprocess.Popen(args, cwd=ROOT, env=self.env, start_new_session=True)

    def wait_any(self) -> str:
        while True:
            for name, proc in self.children.items():
                if proc.poll() is not None:
                    return name
            time.sleep(0.3)

    def stop_all(self, grace: float = 10.0) -> None:
        for proc in self.children.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in self.children.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            # the group may still hold grandchildren (runserver's reloader, celery's pool)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def demo_command(env: dict, args: list[str]) -> list[str] | None:
    """The load_demo call `run` makes: always into the embedded database it started itself, into
    a DATABASE_URL one only with `--demo`, else none."""
    if env.get(EMBEDDED_DATABASE_ENV) == env["DATABASE_URL"]:
        return ["load_demo"]
    if "--demo" in args:
        return ["load_demo", "--any-database"]
    return None


def run(args: list[str]) -> int:
    port = os.environ.get("PORT", "8000")
    # Explicit for SIGINT too: a shell that starts us in the background sets SIGINT to "ignore".
    signal.signal(signal.SIGINT, _raise_interrupt)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    with engines(prefer_local=False) as urls:
        env = _env(urls, os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local"))
        _manage(env, "migrate", "--no-input")
        demo = demo_command(env, args)
        if demo:
            _manage(env, *demo)
            _manage(env, "load_demo_orders")  # orders app: accounts' loader may not import it
        else:
            print("==> demo data not loaded: DATABASE_URL names a database (pass --demo to load it)", flush=True)
        sup = Supervisor(env)
        try:
            sup.start("web", [PY, "manage.py", "runserver", f"127.0.0.1:{port}"])
            sup.start("worker", [PY, "-m", "celery", "-A", "config", "worker", "-l", "info", "-c", "2"])
            sup.start(
                "beat",
                [PY, "-m", "celery", "-A", "config", "beat", "-l", "info", "-s", str(VAR / "celerybeat-schedule")],
            )
            logins = "\n".join(f"      {label}: {u} / {p}" for label, u, p in DEMO_LOGINS) if demo else "      (none)"
            print(
                f"\n==> 반짝마켓 is running: http://127.0.0.1:{port}/\n"
                f"    admin: http://127.0.0.1:{port}/admin/   API docs: http://127.0.0.1:{port}/api/docs/\n"
                f"    demo logins:\n{logins}\n    Ctrl-C stops everything.\n",
                flush=True,
            )
            died = sup.wait_any()
            print(f"==> {died} exited; stopping the rest", flush=True)
            return 1
        except KeyboardInterrupt:
            print("\n==> stopping", flush=True)
            return 0
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            sup.stop_all()


def test(args: list[str]) -> int:
    browser.ensure()  # Debian's chromium and axe-core for tests/browser; stops with the reason if it cannot
    haproxy.ensure()  # Debian's haproxy for the many-nodes drills (tests/scaling)
    with engines(prefer_local=True) as urls:
        env = _env(urls, "config.settings.test")
        code = subprocess.run([PY, "-m", "pytest", *args], cwd=ROOT, env=env).returncode
    if code == 5:
        print("==> pytest collected no tests: that is a failure here", file=sys.stderr)
        return 1
    return code


def check(args: list[str]) -> int:
    steps = [
        ("ruff lint", [PY, "-m", "ruff", "check", "."]),
        ("ruff format", [PY, "-m", "ruff", "format", "--check", "."]),
        ("import contracts", [str(Path(PY).parent / "lint-imports")]),
        ("types (mypy with django-stubs)", [PY, "-m", "mypy"]),
    ]
    for label, cmd in steps:
        print(f"==> {label}", flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode:
            return 1
    print("==> the locks match the requirements*.in files", flush=True)
    if locks.verify():
        return 1
    print("==> known vulnerabilities in the locks (pip-audit)", flush=True)
    audited, audit_summary = audit.audit()
    print(f"    {audit_summary}", flush=True)
    if not audited:
        return 1
    with engines(prefer_local=True) as urls:
        env = _env(urls, "config.settings.local")
        prod = dict(
            env,
            DJANGO_SETTINGS_MODULE="config.settings.production",
            SECRET_KEY=os.urandom(48).hex(),
            DATA_PLATFORM_SECRET=os.urandom(24).hex(),
        )
        django_steps = [
            ("migrations are complete", env, ["makemigrations", "--check", "--dry-run"]),
            ("check --deploy (production settings)", prod, ["check", "--deploy", "--fail-level", "WARNING"]),
            ("OpenAPI schema", env, ["spectacular", "--validate", "--fail-on-warn", "--file", os.devnull]),
        ]
        for label, step_env, cmd in django_steps:
            print(f"==> {label}", flush=True)
            if subprocess.run([PY, "manage.py", *cmd], cwd=ROOT, env=step_env).returncode:
                return 1
    print(f"==> check passed; {audit_summary}", flush=True)
    return 0


def manage(args: list[str]) -> int:
    with engines(prefer_local=False) as urls:
        env = _env(urls, os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local"))
        return subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env).returncode


def bench(args: list[str]) -> int:
    """The benchmark (loadtests/bench.py): its own database and Redis db, granian on 127.0.0.1, wrk."""
    return subprocess.run([PY, "-m", "loadtests.bench", *args], cwd=ROOT).returncode


COMMANDS = {"run": run, "test": test, "check": check, "manage": manage, "bench": bench, "lock": locks.lock}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python3 dev.py {{{'|'.join(COMMANDS)}}} [args]", file=sys.stderr)
        return 2
    return COMMANDS[argv[0]](argv[1:])
