"""Headless Debian Chromium through Playwright, a live server and a real worker cluster."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

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
# What a page waits for is done by real workers and the emulator: on a busy machine that
# takes longer than Playwright's 5 s, and no assertion here is about speed.
expect.set_options(timeout=20_000)

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


# Reports each breach of the Content-Security-Policy from inside the page, before its own scripts run.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
    const where = `${event.sourceFile || document.location.href}:${event.lineNumber}`;
    const what = `${event.effectiveDirective} refused ${event.blockedURI || "?"}`;
    window.__studioCspViolation(`${what} (${where}, ${event.sample || "no sample"})`);
}, true);
"""


@dataclass
class BrowserProblems:
    """What went wrong in a test's pages: console errors, uncaught exceptions, failed requests,
    answers of 400 or more, and breaches of the Content-Security-Policy. A test names what it
    expects with `expect_status`, `expect_request_failure`, `expect_console` or `expect_csp_violation`;
    anything else fails it."""

    seen: list[str] = field(default_factory=list)
    statuses: list[tuple[int, re.Pattern]] = field(default_factory=list)
    messages: list[re.Pattern] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    expected_violations: list[re.Pattern] = field(default_factory=list)
    failures: list[re.Pattern] = field(default_factory=list)

    def expect_status(self, status: int, url: str = "") -> None:
        """An answer with `status` to a URL containing `url` is part of the test."""
        self.statuses.append((status, re.compile(re.escape(url))))
        # Chromium reports each such answer in the console too.
        self.expect_console(f"the server responded with a status of {status}")

    def expect_request_failure(self, url: str) -> None:
        """A request to a URL containing `url` that never gets an answer is part of the test."""
        self.failures.append(re.compile(re.escape(url)))
        self.expect_console("net::ERR_")

    def expect_console(self, pattern: str) -> None:
        """A console error matching `pattern` (a regular expression) is part of the test."""
        self.messages.append(re.compile(pattern))

    def expect_csp_violation(self, pattern: str) -> None:
        """A breach of the policy matching `pattern` (a regular expression, over the directive and
        what it refused) is part of the test; it is still listed in `csp_violations`."""
        self.expected_violations.append(re.compile(pattern))

    def watch(self, context) -> None:
        context.expose_function("__studioCspViolation", self._csp_violation)
        context.add_init_script(CSP_LISTENER)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.seen.append(f"uncaught: {error.error}"))
        context.on("response", self._response)
        context.on("requestfailed", self._request_failed)

    def _csp_violation(self, report: str) -> None:
        self.csp_violations.append(report)
        if not any(p.search(report) for p in self.expected_violations):
            self.seen.append(f"Content-Security-Policy violation: {report}")

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            # Chromium's own words for a breach: expected only with the breach itself.
            if not self.expected_violations:
                self.seen.append(f"console: {message.text} ({message.location.get('url', '')})")
            return
        if message.type != "error" or any(p.search(message.text) for p in self.messages):
            return
        self.seen.append(f"console error: {message.text} ({message.location.get('url', '')})")

    def _response(self, response) -> None:
        if response.status < 400:
            return
        if any(status == response.status and url.search(response.url) for status, url in self.statuses):
            return
        self.seen.append(f"{response.status} from {response.request.method} {response.url}")

    def _request_failed(self, request) -> None:
        # A page left, a player that stops buffering, a download handed to the browser: not faults.
        if request.failure in ("net::ERR_ABORTED",) or any(url.search(request.url) for url in self.failures):
            return
        self.seen.append(f"request failed: {request.method} {request.url}: {request.failure}")


@pytest.fixture(autouse=True)
def browser_problems():
    """Every browser test fails on a console error, a page error, a failed answer or a breach of the
    Content-Security-Policy it did not expect."""
    problems = BrowserProblems()
    yield problems
    assert not problems.seen, "the browser reported:\n" + "\n".join(problems.seen)


@pytest.fixture
def page(browser, live_server, browser_problems):
    context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    browser_problems.watch(context)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.fixture
def new_page(browser, live_server, browser_problems):
    """A page in a context of its own, for what `page` cannot change later: a phone, no JavaScript."""
    contexts = []

    def new_page(**options):
        context = browser.new_context(base_url=live_server.url, accept_downloads=True, **options)
        browser_problems.watch(context)
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
def sign_in(live_server):
    """Give a page the session of `user`, as if they had signed in."""
    from django.test import Client

    def sign_in(page, user) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
        )

    return sign_in


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
