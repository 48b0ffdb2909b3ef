"""Known vulnerabilities in the locked dependencies (`pip-audit`, a step of `dev.py check`).

pip-audit asks a vulnerability service about every package of the bench lock (the largest: it
holds every other lock). It can only say what that service tells it, and some networks cannot
reach it, or reach a package index mirror that answers the project pages but not the per-release
ones the audit needs (pip-audit then *skips* each package, and its own summary still reads "No
known vulnerabilities found"). So this step reads pip-audit's JSON and says which of three it was:

- audited, nothing known: passes;
- audited, a vulnerability known: fails, naming it and the versions that fix it;
- not audited (service unreachable, or packages skipped): says so plainly and how many; fails only
  with `PIP_AUDIT_REQUIRED=1` (set it where the service is reachable, e.g. a CI with internet).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = "requirements-bench.txt"


def _log(message: str) -> None:
    print(f"    {message}", flush=True)


def audit() -> tuple[bool, str]:
    """Runs the audit; returns (passed, a one-line summary for the end of `check`)."""
    pip_audit = Path(sys.executable).parent / "pip-audit"
    cmd = [str(pip_audit), "-r", LOCK, "--require-hashes", "--disable-pip", "--progress-spinner", "off"]
    cmd += ["--format", "json", "--timeout", "15"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    required = os.environ.get("PIP_AUDIT_REQUIRED") == "1"
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        _log(f"pip-audit could not run to the end (exit {proc.returncode}): {last[:300]}")
        return _not_audited("the vulnerability service could not be reached", required)
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
            _log(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in: {fixes})")
    if vulnerable:
        return False, f"pip-audit: {len(vulnerable)} package(s) with known vulnerabilities"
    if skipped:
        _log(f"{len(skipped)} of {len(dependencies)} packages were NOT audited; the first reason given:")
        _log(skipped[0]["skip_reason"])
        if len(skipped) == len(dependencies):
            _log(
                "(every package skipped: the package index this machine reaches does not answer the "
                "per-release pages /pypi/NAME/VERSION/json the audit reads, as a partial mirror does)"
            )
        return _not_audited(f"{len(skipped)} of {len(dependencies)} packages skipped", required)
    return True, f"pip-audit: {len(dependencies)} packages audited, no known vulnerabilities"


def _not_audited(reason: str, required: bool) -> tuple[bool, str]:
    summary = f"pip-audit: NOT AUDITED ({reason}); nothing is known about vulnerabilities from this run"
    if required:
        return False, summary + " and PIP_AUDIT_REQUIRED=1"
    return True, summary + " (PIP_AUDIT_REQUIRED=1 makes this fail)"
