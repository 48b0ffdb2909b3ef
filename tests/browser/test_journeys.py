"""Journeys a person takes through the storefront and the admin, in real Chromium.

Style for new journeys: one test per journey, steps through `helpers` (login, logout) or
Playwright locators by label / role / visible Korean text, and `expect(...)` for every outcome
the person would look at. Data the journey does not create itself comes from the factories
(`shopper`, `staff_user`, or tests/support/factories.py) before the first `page.goto`.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser.helpers import login, logout
from tests.support.factories import PASSWORD

pytestmark = pytest.mark.browser
User = get_user_model()


def test_signup_logout_and_login_again(page):
    page.goto("/")
    page.get_by_role("banner").get_by_role("link", name="회원가입").click()
    expect(page.get_by_role("heading", name="회원가입")).to_be_visible()
    page.get_by_label("아이디").fill("kim.shopper")
    page.get_by_label("비밀번호", exact=True).fill("flash-Sale-2026!")
    page.get_by_label("비밀번호 확인").fill("flash-Sale-2026!")
    page.get_by_role("button", name="가입하기").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("status")).to_contain_text("kim.shopper님, 환영합니다!")
    expect(page.locator(".account-nav")).to_contain_text("kim.shopper님")
    assert User.objects.filter(username="kim.shopper", is_staff=False).exists()

    logout(page)
    expect(page.get_by_role("banner").get_by_role("link", name="회원가입")).to_be_visible()

    login(page, "kim.shopper", "flash-Sale-2026!")
    expect(page.get_by_role("button", name="로그아웃")).to_be_visible()


def test_signup_refuses_a_weak_password_in_korean(page):
    page.goto("/accounts/signup/")
    page.get_by_label("아이디").fill("weakling")
    page.get_by_label("비밀번호", exact=True).fill("1234")
    page.get_by_label("비밀번호 확인").fill("1234")
    page.get_by_role("button", name="가입하기").click()

    expect(page.locator(".field-error").first).to_contain_text("비밀번호")
    assert not User.objects.filter(username="weakling").exists()


def test_wrong_password_shows_a_korean_error(page, shopper):
    page.goto("/accounts/login/")
    page.get_by_label("아이디").fill(shopper.username)
    page.get_by_label("비밀번호").fill("not-the-password")
    page.get_by_role("button", name="로그인").click()

    expect(page.get_by_role("alert")).to_contain_text("올바른 아이디와 비밀번호를 입력해 주세요")
    expect(page.get_by_role("banner").get_by_role("link", name="회원가입")).to_be_visible()


def test_staff_logs_into_the_admin(page, staff_user):
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.locator("#id_username").fill(staff_user.username)  # the admin labels it 사용자 이름
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()

    expect(page.get_by_role("heading", name="운영 관리")).to_be_visible()
    expect(page.locator("#site-name")).to_contain_text("반짝마켓 관리자")


def test_shopper_is_sent_to_the_admin_login(page, shopper):
    login(page, shopper.username)
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    expect(page.locator("body")).to_contain_text(shopper.username)
    expect(page.get_by_role("heading", name="운영 관리")).to_have_count(0)
