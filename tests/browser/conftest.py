"""Headless Debian Chromium through Playwright, a live server and a real worker cluster."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(django_settings.VAR_DIR) / "screenshots"

# Playwright's sync API runs an event loop in this thread; the ORM calls made
# by fixtures here are still plain synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# Module scope: Playwright's sync API keeps an event loop running in this
# thread while it is open, which would break asyncio.run() in later tests.
@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium package.")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); browser tests need it.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.fixture
def new_page(browser, live_server):
    """A page in a context of its own, for what `page` cannot change later: a phone, no JavaScript."""
    contexts = []

    def new_page(**options):
        context = browser.new_context(base_url=live_server.url, accept_downloads=True, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        return page

    yield new_page
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str, of=None, full_page: bool = True) -> Path:
        """A PNG of `page`, or of another page given as `of`; the screen only with `full_page=False`
        (a full-page capture stretches the viewport, which moves sticky bars and resizes dialogs)."""
        path = SCREENSHOTS / f"{name}.png"
        (of or page).screenshot(path=str(path), full_page=full_page)
        return path

    return take


@pytest.fixture
def sign_up(page):
    """Sign a new person up through the pages; they land on the gallery with the create form."""
    from playwright.sync_api import expect

    def sign_up(username: str) -> None:
        page.goto("/")
        page.get_by_role("link", name="Sign up").click()
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password", exact=True).fill("correct-horse-battery-staple")
        page.get_by_label("Confirmation").fill("correct-horse-battery-staple")
        page.get_by_role("button", name="Sign up").click()
        expect(page.get_by_label("Prompt")).to_be_visible()

    return sign_up
