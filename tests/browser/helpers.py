"""Steps shared by the browser journeys. Each takes a Playwright `page` whose base URL is the
live server, acts like a person would (labels, roles, visible text) and waits for the result."""

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.support.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")


def login(page: Page, username: str, password: str = PASSWORD) -> None:
    """Logs in through the storefront form and waits until the header greets the user."""
    page.goto("/accounts/login/")
    page.get_by_label("아이디").fill(username)
    page.get_by_label("비밀번호").fill(password)
    page.get_by_role("button", name="로그인").click()
    expect(page.locator(".account-nav")).to_contain_text(f"{username}님")


def logout(page: Page) -> None:
    page.get_by_role("button", name="로그아웃").click()
    expect(page.locator(".account-nav")).to_contain_text("로그인")


def axe_violations(page: Page, impacts=BLOCKING_IMPACTS) -> list[dict]:
    """Runs axe-core (node_modules, from package.json) on the current page; returns the violations
    of the given impacts, each shortened to what a failure message needs."""
    if not AXE_JS.exists():
        raise AssertionError(f"{AXE_JS} is missing: run `python3 -m devtools.browser` (npm ci)")
    # evaluated through the DevTools protocol: an injected <script> tag is inline script, which the
    # pages' Content-Security-Policy refuses (as it should)
    page.evaluate(AXE_JS.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
            "summary": v["nodes"][0].get("failureSummary", "") if v["nodes"] else "",
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def broken_aria_references(page: Page) -> list[str]:
    """`aria-describedby` / `aria-labelledby` ids that point at nothing (axe only reports these
    as 'incomplete'): Django's widgets name `<id>_helptext` / `<id>_error`, the template must render them."""
    return page.evaluate(
        """() => [...document.querySelectorAll('[aria-describedby], [aria-labelledby]')].flatMap(el =>
            ['aria-describedby', 'aria-labelledby'].flatMap(attr =>
                (el.getAttribute(attr) || '').split(/\\s+/).filter(id => id && !document.getElementById(id))
                    .map(id => `${el.id || el.tagName} ${attr} -> #${id}`)))"""
    )
