"""The Content-Security-Policy as a browser enforces it: what an attacker slips into a page does
not run, the admin works under it, and a sign-in that posts to the studio and is redirected to an
identity provider still gets there. The pages themselves breach it nowhere: every browser test
fails on a breach (conftest.py's `browser_problems`), the every-page test included."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.test import RequestFactory
from django.urls import path, reverse
from django.views.decorators.csrf import csrf_exempt
from playwright.sync_api import expect

from grokstudio import urls as studio_urls
from tests.factories import make_generation

pytestmark = pytest.mark.browser

# Where the stand-in identity provider listens, set by its fixture.
provider = {"url": ""}


@csrf_exempt
def sign_in_with_provider(request: HttpRequest) -> HttpResponse:
    """What allauth's provider button does: a form posted to the studio, answered with a redirect."""
    if request.method == "POST":
        return HttpResponseRedirect(provider["url"])
    return HttpResponse(
        '<!doctype html><html lang="en"><title>Sign in</title>'
        '<form method="post"><button type="submit">Continue with the provider</button></form></html>'
    )


urlpatterns = [path("test-sign-in/", sign_in_with_provider), *studio_urls.urlpatterns]


@pytest.fixture
def identity_provider():
    class Provider(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b'<!doctype html><html lang="en"><title>The provider</title></html>')

        def log_message(self, *args):
            pass

    # 127.0.0.1, while the studio is served as localhost: another origin.
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    provider["url"] = f"http://127.0.0.1:{server.server_address[1]}/authorize"
    yield provider["url"]
    server.shutdown()
    server.server_close()


@pytest.fixture
def person(transactional_db):
    return get_user_model().objects.create_user("zoe", password="a-long-test-password")


def reported(page, browser_problems, start: str) -> list[str]:
    """The breaches reported so far that begin with `start`, waiting a moment for the first."""
    for _ in range(20):
        found = [v for v in browser_problems.csp_violations if v.startswith(start)]
        if found:
            return found
        page.wait_for_timeout(100)
    return []


def test_an_injected_inline_script_does_not_run_and_is_reported(page, person, sign_in, browser_problems):
    browser_problems.expect_csp_violation(r"^script-src")
    sign_in(page, person)
    page.goto("/")

    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injectedRan = true";
            document.body.append(script);
        }"""
    )

    assert reported(page, browser_problems, "script-src-elem refused inline")
    assert page.evaluate("window.injectedRan") is None


def test_an_injected_style_attribute_is_refused_and_reported(page, person, sign_in, browser_problems):
    browser_problems.expect_csp_violation(r"^style-src")
    sign_in(page, person)
    page.goto("/")

    page.evaluate(
        """() => {
            const box = document.createElement("div");
            box.id = "injected";
            box.innerHTML = '<p style="display: none">Shown all the same</p>';
            document.body.append(box);
        }"""
    )

    assert reported(page, browser_problems, "style-src-attr refused inline")
    expect(page.locator("#injected p")).to_be_visible()


def test_a_post_redirected_to_an_identity_provider_gets_there(page, settings, identity_provider):
    settings.ROOT_URLCONF = __name__
    page.goto("/test-sign-in/")

    page.get_by_role("button", name="Continue with the provider").click()

    expect(page).to_have_title("The provider")
    assert page.url == identity_provider


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_the_admin_works_under_the_policy(page, person, sign_in):
    root = get_user_model().objects.create_superuser("root", password="a-long-test-password")
    generation = make_generation(person, prompt="A harbour at dawn")
    sign_in(page, root)
    pages = ["/admin/", "/admin/workers/", admin_url(person, "change", person.pk),
             admin_url(generation, "change", generation.pk)]  # fmt: skip
    asking = RequestFactory().get("/admin/")
    asking.user = root
    for model, model_admin in admin.site._registry.items():
        pages.append(admin_url(model, "changelist"))
        if model_admin.has_add_permission(asking):
            pages.append(admin_url(model, "add"))

    for address in pages:
        page.goto(address)
        expect(page.locator("#content")).to_be_visible()
    # The list's scripts at work: "select all" ticks every row.
    page.goto(admin_url(person, "changelist"))
    page.locator("#action-toggle").check()
    expect(page.locator(".action-select").first).to_be_checked()


def test_the_api_documentation_works_under_the_policy(page, person, sign_in):
    sign_in(page, person)
    page.goto("/xai/docs")

    page.get_by_text("Start an image task").click()
    page.get_by_role("button", name="Try it out").click()

    expect(page.get_by_role("button", name="Execute")).to_be_visible()


def test_htmx_evaluates_nothing_adds_no_style_and_settles_no_style_attribute(page, person, sign_in):
    sign_in(page, person)
    page.goto("/")

    config = page.evaluate("({...htmx.config})")

    assert config["allowEval"] is False
    assert config["includeIndicatorStyles"] is False
    assert "style" not in config["attributesToSettle"]
    assert page.locator("head style").count() == 0
