"""The browser fixtures themselves: what a failing journey leaves behind, and the launch flags."""

import pytest

from tests.browser import conftest

pytestmark = pytest.mark.browser


def test_failure_artifacts_are_a_screenshot_and_the_html(page, tmp_path, monkeypatch):
    monkeypatch.setattr(conftest, "ARTIFACTS", tmp_path)
    page.goto("/accounts/login/")
    conftest._save_artifacts(page, "tests/browser/test_x.py::test_y[/a b]")
    png = tmp_path / "tests_browser_test_x.py_test_y_a_b.png"
    html = tmp_path / "tests_browser_test_x.py_test_y_a_b.html"
    assert png.read_bytes().startswith(b"\x89PNG")
    assert "<h1>로그인</h1>" in html.read_text(encoding="utf-8")


def test_chromium_is_debians_and_headless(browser, page):
    assert "--no-sandbox" in conftest.CHROMIUM_ARGS
    page.goto("/")
    assert "HeadlessChrome" in page.evaluate("navigator.userAgent")
    assert browser.version.split(".")[0].isdigit()
