#!/usr/bin/env python3
"""The project's one entry point. It needs Python 3.11+ to start; it makes `.venv`, installs the
locked requirements with their hashes (again only when a lock changes) and hands over to `devtools`
inside the venv. What each command needs besides: README.md, "The two commands".

    python3 dev.py run            # the whole site: engines, migrate, demo data, web + worker + beat
    python3 dev.py test [ARGS]    # the whole test suite on real PostgreSQL and Redis
    python3 dev.py check          # lint, format, migrations, deploy checks, OpenAPI, import contracts
    python3 dev.py manage ARGS    # manage.py with the same engines (e.g. `manage shell`)
    python3 dev.py bench [ARGS]   # the load benchmark: seed, granian, wrk + open model, docs/benchmarks.md
    python3 dev.py lock [ARGS]    # rewrite the requirements*.txt locks from the requirements*.in files
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
UV = VENV / "bin" / "uv"
# Each command installs one lock (requirements*.txt, written by `dev.py lock` from the .in files);
# each lock holds the one before it: runtime < local (+ embedded engines) < dev < bench.
REQUIREMENTS = {
    "run": "requirements-local.txt",
    "manage": "requirements-local.txt",
    "bench": "requirements-bench.txt",
}
DEFAULT_REQUIREMENTS = "requirements-dev.txt"


def requirements_digest(name: str) -> str:
    return hashlib.sha256((ROOT / name).read_bytes()).hexdigest() + ":" + name


def ensure_venv(requirements: str, *, lenient: bool = False) -> None:
    """`lenient`: a failed install leaves the venv as it was (`lock` repairs a broken lock with it)."""
    if sys.version_info < (3, 11):
        sys.exit(f"Python 3.11+ is needed, this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print(f"==> creating {VENV.relative_to(ROOT)}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{requirements}"
    wanted = requirements_digest(requirements)
    if stamp.exists() and stamp.read_text() == wanted:
        return
    print(f"==> installing {requirements}", flush=True)
    # --require-hashes: every package, transitive ones included, must match a hash in the lock.
    pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q", "--require-hashes"]
    if subprocess.run([*pip, "-r", str(ROOT / requirements)]).returncode != 0:
        if lenient:
            print("==> going on with the venv as it is", flush=True)
            return
        sys.exit(
            f"==> installing {requirements} failed (see above). The requirements*.txt files are locks: "
            "to add or change a dependency, edit the matching requirements*.in file and run `python3 dev.py lock`."
        )
    stamp.write_text(wanted)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] in {"-h", "--help"}:
        print(__doc__)
        sys.exit(0 if len(sys.argv) >= 2 else 2)
    command = sys.argv[1]
    ensure_venv(REQUIREMENTS.get(command, DEFAULT_REQUIREMENTS), lenient=command == "lock" and UV.exists())
    os.chdir(ROOT)
    os.execv(str(PYTHON), [str(PYTHON), "-m", "devtools", *sys.argv[1:]])


if __name__ == "__main__":
    main()
