"""Static files under production settings: hashed names from the manifest storage, served by
whitenoise with a far-future, immutable Cache-Control (a changed file gets a new URL)."""

import json
import re
import subprocess
import sys

from tests.support.paths import ROOT

_PROBE = """
import json, re, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="localhost")
page = client.get("/accounts/login/", secure=True).content.decode()
hashed = re.search(r'href="(/static/css/site\\.[0-9a-f]{12}\\.css)"', page).group(1)
def seen(url, **headers):
    r = client.get(url, secure=True, **headers)
    return {"status": r.status_code, "cache": r.get("Cache-Control"), "encoding": r.get("Content-Encoding")}
print(json.dumps({
    "hashed": hashed,
    "hashed_seen": seen(hashed),
    "hashed_gzip": seen(hashed, HTTP_ACCEPT_ENCODING="gzip"),
    "plain_seen": seen("/static/css/site.css"),
}))
"""


def test_hashed_names_with_far_future_cache_headers(production_env):
    result = subprocess.run(
        [sys.executable, "-c", _PROBE],
        env=production_env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", seen["hashed"])
    assert seen["hashed_seen"]["status"] == 200
    assert seen["hashed_seen"]["cache"] == "max-age=315360000, public, immutable"
    assert seen["hashed_gzip"]["encoding"] in {"gzip", "br"}  # compressed copies written by collectstatic
    assert seen["plain_seen"]["cache"] == "max-age=60, public"  # an unhashed name may change: short
