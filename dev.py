#!/usr/bin/env python3
"""The project's one entry point. Needs only Python 3.11+; it makes `.venv`, installs the pinned
requirements (again only when they change) and hands over to `devtools` inside the venv.

    python3 dev.py run            # the whole site: engines, migrate, demo data, web + worker + beat
    python3 dev.py test [ARGS]    # the whole test suite on real PostgreSQL and Redis
    python3 dev.py check          # lint, format, migrations, deploy checks, OpenAPI, import contracts
    python3 dev.py manage ARGS    # manage.py with the same engines (e.g. `manage shell`)
    python3 dev.py bench [ARGS]   # the load benchmark: seed, granian, wrk + open model, docs/benchmarks.md
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
REQUIREMENTS = {"run": "requirements.txt", "manage": "requirements.txt"}
DEFAULT_REQUIREMENTS = "requirements-dev.txt"


def requirements_digest(name: str) -> str:
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("requirements*.txt")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest() + ":" + name


def ensure_venv(requirements: str) -> None:
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
    pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-r", str(ROOT / requirements)], check=True)
    stamp.write_text(wanted)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] in {"-h", "--help"}:
        print(__doc__)
        sys.exit(0 if len(sys.argv) >= 2 else 2)
    command = sys.argv[1]
    ensure_venv(REQUIREMENTS.get(command, DEFAULT_REQUIREMENTS))
    os.chdir(ROOT)
    os.execv(str(PYTHON), [str(PYTHON), "-m", "devtools", *sys.argv[1:]])


if __name__ == "__main__":
    main()
