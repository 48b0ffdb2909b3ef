"""The Content-Security-Policy (django-csp, config/settings/base.py) is sent on every page and
the pages still work under it in real Chromium: the storefront, the admin (login, index, a change
list, an add form) and the API docs (Swagger UI renders the schema). Chromium reports each
blocked script, style, image or connection as a `securitypolicyviolation` event; a listener
installed before any page script runs collects them and every page must have none."""

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from products.services import product_create
from tests.browser.helpers import PASSWORD, login

pytestmark = pytest.mark.browser

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) =>
    window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


def _violations(page) -> list[str]:
    return page.evaluate("() => window.__cspViolations")


def _visit(page, path: str, timeout: float | None = None) -> None:
    response = page.goto(path, timeout=timeout)
    assert response.status == 200, (path, response.status)
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy, (path, policy)


def test_storefront_pages_under_the_policy(page, shopper, transactional_db):
    product = product_create(name="CSP 텐트", price=10_000, stock=3)
    page.add_init_script(COLLECT_VIOLATIONS)
    for path in ("/", "/products/", f"/products/{product.pk}/", "/coupons/", "/accounts/login/", "/accounts/signup/"):
        _visit(page, path)
        assert _violations(page) == [], path
    login(page, shopper.username)
    for path in ("/balance/", "/orders/", "/orders/cart/", "/coupons/mine/"):
        _visit(page, path)
        assert _violations(page) == [], path


def test_admin_under_the_policy(page, staff_user):
    staff_user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="products", codename__in=["view_product", "add_product"])
    )
    page.add_init_script(COLLECT_VIOLATIONS)
    _visit(page, "/admin/login/")
    assert _violations(page) == []
    page.locator("#id_username").fill(staff_user.username)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    expect(page.get_by_role("heading", name="운영 관리")).to_be_visible()
    for path in ("/admin/", "/admin/products/product/", "/admin/products/product/add/"):
        _visit(page, path)
        assert _violations(page) == [], path
    # the admin's own scripts ran: the add form's "save and add another" and the theme toggle
    expect(page.locator("button.theme-toggle")).to_be_visible()


def test_api_docs_render_under_the_policy(page):
    page.add_init_script(COLLECT_VIOLATIONS)
    _visit(page, "/api/docs/", timeout=120_000)  # megabytes of Swagger UI from a loaded test server
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Flash-sale shop API", timeout=60_000)
    expect(page.locator(".opblock-summary-path").first).to_be_visible()  # the schema was fetched and drawn
    assert _violations(page) == []
