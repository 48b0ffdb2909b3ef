"""Content-Security-Policy on pages (django-csp): only our own files, no inline script, the one
inline style (the API docs page) allowed by its per-request nonce. Chromium runs the pages under
it in tests/browser/test_csp.py."""

import re

import pytest

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in header.split(";")) if d}


@pytest.mark.parametrize("path", ["/", "/products/", "/accounts/login/", "/admin/login/", "/api/docs/"])
def test_pages_carry_the_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert all("unsafe" not in source for sources in policy.values() for source in sources)


def test_the_docs_page_inline_style_has_the_nonce_and_its_script_is_a_file(client):
    response = client.get("/api/docs/")
    page = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'<style nonce="{nonce}">' in page
    assert re.search(r"<script>\s*\S", page) is None  # no inline script at all
    assert client.get("/api/docs/").content.decode() != page  # a new nonce per response
    script = re.search(r'<script src="([^"]+\?script=?)"', page)
    assert script is not None and client.get(script.group(1).replace("&amp;", "&")).status_code == 200


def test_no_template_has_inline_script_or_style_attributes():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    templates = [p for p in (root / "templates").rglob("*.html")] + list(root.glob("*/templates/**/*.html"))
    offenders = []
    for path in templates:
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", text) or re.search(
            r"\s(style|on[a-z]+)=", text
        ):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_a_response_without_a_nonce_gets_the_policy_django_csp_would_build(client, settings):
    from csp.utils import build_policy

    for path in ("/api/health", "/api/products", "/products/"):
        assert client.get(path)["Content-Security-Policy"] == build_policy()
    # a changed setting is a new policy at once (the built header is kept per settings object)
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert client.get("/api/health")["Content-Security-Policy"] == "default-src 'none'"
    assert "Content-Security-Policy-Report-Only" not in client.get("/api/health")
