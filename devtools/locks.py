"""The dependency locks: `requirements*.in` (what we ask for, top-level and pinned) and the
`requirements*.txt` written from them (every package of the tree, pinned, with its hashes), which
`dev.py`, the Dockerfile and CI install with `pip install --require-hashes`.

    python3 dev.py lock                          # re-lock after editing an .in file (keeps other pins)
    python3 dev.py lock --upgrade-package NAME   # also move NAME (and what it needs) to its newest

Each lock is constrained by the one before it, so a package has one version in all of them and
each set is a superset of the previous: runtime (the production image) < local (+ the embedded
engines) < dev (tests, lint, audit) < bench (load and profiling tools).

`verify()` (in `dev.py check`, offline) catches a lock that was edited by hand or not rewritten
after an .in file changed.
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCKS = (
    ("requirements.in", "requirements.txt"),
    ("requirements-local.in", "requirements-local.txt"),
    ("requirements-dev.in", "requirements-dev.txt"),
    ("requirements-bench.in", "requirements-bench.txt"),
)
# The production image's Python; --universal keeps the markers, so the lock works on any platform.
PYTHON_VERSION = "3.11"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;#]+)")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock(args: list[str]) -> int:
    uv = Path(sys.executable).parent / "uv"
    for source, output in LOCKS:
        print(f"==> {source} -> {output}", flush=True)
        cmd = [
            str(uv),
            "pip",
            "compile",
            source,
            "--output-file",
            output,
            "--generate-hashes",
            "--universal",
            "--python-version",
            PYTHON_VERSION,
            "--custom-compile-command",
            "python3 dev.py lock",
            "--quiet",
            *args,
        ]
        if subprocess.run(cmd, cwd=ROOT).returncode:
            return 1
    return verify()


def _entries(text: str) -> list[str]:
    """A requirements file's entries, continuation lines joined and comments dropped."""
    entries, current = [], ""
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        if current.strip():
            entries.append(current.strip())
        current = ""
    return entries


def locked_versions(path: Path) -> dict[str, str]:
    """`name -> version` of every package in a lock."""
    return {
        _normalise(match.group(1)): match.group(3)
        for entry in _entries(path.read_text())
        if (match := _PIN.match(entry))
    }


def _pins(path: Path) -> dict[str, str]:
    """`name -> version` of the pins in a requirements file, following `-r` includes."""
    pins = {}
    for entry in _entries(path.read_text()):
        if entry.startswith("-r "):
            pins.update(_pins(path.parent / entry[3:].strip()))
        elif match := _PIN.match(entry):
            pins[_normalise(match.group(1))] = match.group(3)
    return pins


def problems(root: Path = ROOT) -> list[str]:
    found = []
    for source, output in LOCKS:
        lock_path = root / output
        locked = {}
        for entry in _entries(lock_path.read_text()):
            if entry.startswith("-"):
                continue
            match = _PIN.match(entry)
            if not match or "--hash=sha256:" not in entry:
                found.append(f"{output}: `{entry.split(' --hash', 1)[0]}` is not a pin with hashes (edited by hand?)")
                continue
            locked[_normalise(match.group(1))] = match.group(3)
        for name, version in _pins(root / source).items():
            if locked.get(name) != version:
                found.append(f"{source} asks for {name}=={version}, {output} has {locked.get(name, 'nothing')}")
    return found


def verify() -> int:
    found = problems()
    for problem in found:
        print(f"    {problem}", flush=True)
    if found:
        print("==> the locks do not match the .in files: run `python3 dev.py lock`", flush=True)
    return 1 if found else 0
