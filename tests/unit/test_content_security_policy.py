"""Every answer carries a strict Content-Security-Policy, and no template needs it loosened:
no inline script, style or event handler, and nothing htmx would have to evaluate."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"

pytestmark = pytest.mark.django_db  # the sign-in page lists the identity providers


def policy_of(response) -> dict[str, list[str]]:
    directives = (part.split() for part in response["Content-Security-Policy"].split(";"))
    return {name: values for name, *values in directives}


@pytest.mark.parametrize("address", ["/accounts/login/", "/", "/a/1/", "/admin/", "/static/css/studio.css"])
def test_every_answer_carries_the_policy(owner_client, address):
    assert "Content-Security-Policy" in owner_client.get(address)


def test_scripts_and_styles_come_only_from_the_studio_itself(client):
    policy = policy_of(client.get("/accounts/login/"))

    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_pictures_and_clips_come_from_the_studio_a_preview_or_an_inline_qr_code(client):
    policy = policy_of(client.get("/accounts/login/"))

    # Files in a bucket leave through the studio's own views too: no bucket host here.
    assert policy["img-src"] == ["'self'", "blob:", "data:"]
    assert policy["media-src"] == ["'self'", "blob:"]


def test_the_policy_leaves_form_action_out_so_a_post_may_redirect_to_an_identity_provider(client):
    # Chromium applies form-action to the redirects after a post (tests/browser/test_csp.py).
    assert "form-action" not in policy_of(client.get("/accounts/login/"))


@pytest.mark.parametrize(
    ("what", "pattern"),
    [
        ("a style attribute", r"\sstyle\s*="),
        ("a <style> block", r"<style[\s>]"),
        ("an inline <script>", r"<script(?![^>]*\ssrc=)[^>]*>"),
        ("an event handler attribute", r"\son[a-z]+\s*=\s*[\"']"),
        ("an hx-on attribute", r"\shx-on"),
        ("a javascript: URL", r"javascript:"),
        ("hx-vars or js: values, evaluated as code", r"hx-vars|hx-vals=['\"]\s*js:"),
    ],
)
def test_no_template_holds_what_the_policy_refuses(what, pattern):
    holders = sorted(
        str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html") if re.search(pattern, p.read_text())
    )

    assert holders == [], f"{what} in {holders}"


def test_no_hx_trigger_holds_a_condition_which_htmx_would_evaluate_as_code():
    # A condition follows the event's name at once: `keyup[ctrlKey]`. Brackets later in a
    # trigger belong to a CSS selector (`from:find input[type=search]`).
    conditions = [
        f"{p.relative_to(TEMPLATES)}: {trigger}"
        for p in TEMPLATES.rglob("*.html")
        for trigger in re.findall(r'hx-trigger="([^"]*)"', p.read_text())
        if any(re.match(r"\s*[\w:.-]+\[", part) for part in trigger.split(","))
    ]

    assert conditions == []


def test_htmx_is_told_to_add_no_style_and_evaluate_nothing(client):
    page = client.get("/accounts/login/").text

    assert '"includeIndicatorStyles": false' in page
    assert '"allowEval": false' in page
