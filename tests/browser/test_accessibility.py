"""axe-core (npm, package.json) on every storefront page: no serious or critical violation.

Add a page by adding its path to STOREFRONT_PAGES (anonymous visitor) or SHOPPER_PAGES (logged-in
shopper); data the page needs can be made with the factories in `_page_data` below."""

import pytest

from tests.browser.helpers import axe_violations, broken_aria_references, login

pytestmark = pytest.mark.browser

STOREFRONT_PAGES = [
    "/",
    "/accounts/login/",
    "/accounts/signup/",
]
SHOPPER_PAGES = [
    "/",
]


def _assert_accessible(page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    violations = axe_violations(page)
    assert violations == [], f"axe found serious/critical violations on {path}: {violations}"
    assert broken_aria_references(page) == [], path


@pytest.mark.parametrize("path", STOREFRONT_PAGES)
def test_storefront_page_is_accessible(page, path):
    _assert_accessible(page, path)


@pytest.mark.parametrize("path", SHOPPER_PAGES)
def test_shopper_page_is_accessible(page, shopper, path):
    login(page, shopper.username)
    _assert_accessible(page, path)


def test_form_errors_are_accessible(page):
    """A refused signup shows field errors; the page must still pass."""
    page.goto("/accounts/signup/")
    page.get_by_label("아이디").fill("a")
    page.get_by_label("비밀번호", exact=True).fill("1")
    page.get_by_label("비밀번호 확인").fill("2")
    page.get_by_role("button", name="가입하기").click()
    page.locator(".field-error").first.wait_for()
    violations = axe_violations(page)
    assert violations == [], violations
    assert broken_aria_references(page) == []
    # the error text is what the invalid field is described by
    confirm = page.get_by_label("비밀번호 확인")
    assert confirm.get_attribute("aria-invalid") == "true"
    assert "id_password2_error" in confirm.get_attribute("aria-describedby").split()
