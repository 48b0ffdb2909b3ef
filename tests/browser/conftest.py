"""Real headless Chromium (Debian's package) driven by Playwright against pytest-django's
`live_server` (a real threaded HTTP server on the transactional test database).

Fixtures: `browser` (one Chromium for all of tests/browser), `page` (a fresh context and page per test, its
base URL the live server), `shopper` / `staff_user` with the factories' password. Helpers are in
`tests/browser/helpers.py` (`login`, `logout`, `axe_violations`). On a failing test the page's
screenshot and HTML land in var/test-artifacts/.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.support.factories import StaffFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "var" / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000  # actions and expect(): generous, the 2-core machine is shared
expect.set_options(timeout=TIMEOUT_MS)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # the page fixture's teardown reads this to decide whether to keep a screenshot
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="package")
def _playwright():
    # Playwright's sync API keeps an asyncio loop running in this thread, so Django would refuse
    # ORM calls from the test body (SynchronousOnlyOperation). The loop never runs our ORM code
    # concurrently, so the documented switch is safe here; it is on only while this package's
    # tests run (package scope), not for the rest of the suite.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        yield playwright
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(_playwright):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `python3 -m devtools.browser` (apt-get install -y chromium)")
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(request, browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="ko-KR", timezone_id="Asia/Seoul")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        _save_artifacts(page, request.node.nodeid)
    context.close()


def _save_artifacts(page, nodeid: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")
    try:
        page.screenshot(path=str(ARTIFACTS / f"{stem}.png"), full_page=True)
        (ARTIFACTS / f"{stem}.html").write_text(page.content(), encoding="utf-8")
        print(f"\n==> browser artifacts: {ARTIFACTS / stem}.png / .html (page was {page.url})")
    except Exception as exc:  # the page may be gone; the test's own failure matters more
        print(f"\n==> could not save browser artifacts for {nodeid}: {exc!r}")


@pytest.fixture
def shopper(transactional_db):
    return UserFactory()


@pytest.fixture
def staff_user(transactional_db):
    return StaffFactory()
