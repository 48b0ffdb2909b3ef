"""What the browser tests need besides Python packages: Debian's Chromium and the npm packages
of package.json (axe-core). Standard library only, so `.ci/run` can call it before any venv:

    python3 -m devtools.browser      # installs what is missing, or stops with the reason

Playwright never downloads a browser of its own here: the tests launch /usr/bin/chromium through
`executable_path` (tests/browser/conftest.py).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"


class BrowserToolsMissing(SystemExit):
    """Something the browser tests need is missing and cannot be installed here: say why."""


def _log(message: str) -> None:
    print(f"==> {message}", flush=True)


def ensure_chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    if os.geteuid() != 0:
        raise BrowserToolsMissing(
            f"{CHROMIUM} is missing and this is not root, so it cannot be installed here. "
            "Install Debian's package as root: apt-get install -y chromium"
        )
    if not shutil.which("apt-get"):
        raise BrowserToolsMissing(f"{CHROMIUM} is missing and there is no apt-get to install Debian's chromium")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-q", "chromium"]
    _log("installing Debian's chromium for the browser tests (apt-get)")
    if subprocess.run(install, env=env).returncode != 0:
        # a fresh machine may have no package lists yet
        subprocess.run(["apt-get", "update", "-q"], env=env, check=False)
        if subprocess.run(install, env=env).returncode != 0:
            raise BrowserToolsMissing("apt-get install chromium failed; see the output above")
    if not CHROMIUM.exists():
        raise BrowserToolsMissing(f"apt-get installed chromium but {CHROMIUM} is still missing")
    return CHROMIUM


def ensure_node_modules() -> Path:
    if AXE_JS.exists():
        return AXE_JS
    npm = shutil.which("npm")
    if not npm:
        raise BrowserToolsMissing(
            "npm is not installed, so axe-core (package.json) cannot be installed for the accessibility "
            "tests. Install Node.js with npm (Debian: apt-get install -y npm)."
        )
    _log("installing the npm packages of package.json (npm ci)")
    if subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT).returncode != 0:
        raise BrowserToolsMissing("npm ci failed; see the output above")
    if not AXE_JS.exists():
        raise BrowserToolsMissing(f"npm ci finished but {AXE_JS} is missing")
    return AXE_JS


KOREAN_FONT_DIR = Path("/usr/share/fonts/truetype/nanum")


def ensure_korean_font() -> None:
    """A Korean font for Chromium, or every Hangul glyph in the screenshots (var/screenshots/) is a
    box and the text-at-the-edge checks measure boxes. Best effort: the tests run without it."""
    if KOREAN_FONT_DIR.exists() or os.geteuid() != 0 or not shutil.which("apt-get"):
        return
    _log("installing a Korean font for the browser screenshots (apt-get install fonts-nanum)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "install", "-y", "-q", "fonts-nanum"], env=env, check=False)


def ensure() -> None:
    ensure_chromium()
    ensure_korean_font()
    ensure_node_modules()


if __name__ == "__main__":
    try:
        ensure()
    except BrowserToolsMissing as exc:
        print(f"==> browser tests cannot run: {exc.code}", file=sys.stderr)
        sys.exit(1)
