"""A new person signs up, generates an image, watches it arrive, and downloads it."""

from __future__ import annotations

import io
import re
import time

import pytest
from PIL import Image
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_sign_up_generate_see_it_live_and_download(page, worker, sign_up, screenshot):
    sign_up("ada")
    expect(page.get_by_role("status").filter(has_text="Offline mode")).to_contain_text("emulator")
    # A marker that a page reload would wipe out.
    page.evaluate("window.__noReload = true")

    page.get_by_label("Prompt").fill("A lighthouse on a cliff at dusk")
    page.get_by_label("Number of images").fill("2")
    page.get_by_role("button", name="Generate").click()

    card = page.locator("article.card").first
    expect(card).to_contain_text("A lighthouse on a cliff at dusk")
    expect(card.get_by_role("link", name="Download")).to_have_count(2)
    expect(card).to_have_attribute("data-status", "completed")
    assert page.evaluate("window.__noReload") is True
    expect(page.get_by_label("Prompt")).to_have_value("")
    screenshot("gallery-completed")

    with page.expect_download() as download_info:
        card.get_by_role("link", name="Download").first.click()
    download = download_info.value
    assert re.fullmatch(r"grok-a-lighthouse-on-a-cliff-at-dusk-\d+-1\.jpe?g", download.suggested_filename)
    with open(download.path(), "rb") as f:
        image = Image.open(io.BytesIO(f.read()))
        image.load()
    assert image.width == image.height == 1024

    card.locator("a.open").first.click()
    lightbox = page.locator("#lightbox")
    expect(lightbox).to_be_visible()
    download_link = lightbox.get_by_role("link", name="Download")
    expect(download_link).to_be_visible()
    expect(download_link).to_have_attribute("href", card.locator("a.dl").first.get_attribute("href"))
    screenshot("asset-detail", full_page=False)


def test_a_moderated_prompt_says_why_without_a_reload(page, worker, sign_up, screenshot):
    sign_up("grace")
    page.evaluate("window.__noReload = true")
    page.get_by_label("Prompt").fill("[fault:moderation] something not allowed")
    page.get_by_role("button", name="Generate").click()

    card = page.locator("article.card").first
    expect(card).to_have_attribute("data-status", "failed")
    expect(card).to_contain_text("moderation")
    assert page.evaluate("window.__noReload") is True
    screenshot("gallery-failed")


def test_bad_input_is_refused_beside_the_field(page, live_server, sign_up):
    sign_up("linus")
    page.get_by_label("Prompt").fill("x" * 1000)
    page.get_by_label("Number of images").fill("11")
    page.get_by_role("button", name="Generate").click()
    expect(page.locator(".field.invalid")).to_contain_text("10")


def test_one_poll_per_interval_for_the_page_and_only_the_slow_check_once_all_are_done(
    page, worker, sign_up, settings
):
    settings.STUDIO_POLL_INTERVAL_S = 0.5
    settings.STUDIO_IDLE_POLL_INTERVAL_S = 3
    sign_up("barbara")
    polls: list[float] = []
    page.on("request", lambda request: "/poll/" in request.url and polls.append(time.monotonic()))

    started = time.monotonic()
    for prompt in ("a red kite", "a green kite", "a blue kite"):
        page.get_by_label("Prompt").fill(prompt)
        page.get_by_role("button", name="Generate").click()
        expect(page.locator("article.card", has_text=prompt)).to_be_visible()
    for card in page.locator("article.card").all():
        expect(card).to_have_attribute("data-status", "completed")
    elapsed = time.monotonic() - started

    # Three cards were pending at once, yet the page asked once per interval.
    assert 1 <= len(polls) <= elapsed / 0.5 + 2
    expect(page.locator("#poller")).to_have_attribute("data-polling", "idle")
    seen = len(polls)
    page.wait_for_timeout(2000)
    assert len(polls) <= seen + 1  # nothing pending: at most the one slow check in 2 s
    page.wait_for_timeout(2500)
    assert seen + 1 <= len(polls) <= seen + 2  # ... and it does come


def test_work_a_script_starts_through_the_api_appears_live_in_the_open_gallery(
    page, worker, sign_up, settings, live_server, screenshot
):
    import requests

    from grokstudio.api.models import ApiToken

    settings.STUDIO_POLL_INTERVAL_S = 0.5
    settings.STUDIO_IDLE_POLL_INTERVAL_S = 1
    sign_up("grace")
    page.get_by_label("Prompt").fill("Made in the browser")
    page.get_by_role("button", name="Generate").click()
    expect(page.locator("article.card").first).to_have_attribute("data-status", "completed")
    page.evaluate("window.__noReload = true")
    from django.contrib.auth import get_user_model

    secret = ApiToken.issue(get_user_model().objects.get(username="grace"), "script")[1]

    task = requests.post(
        f"{live_server.url}/xai/images", json={"prompt": "Made by a script", "aspectRatio": "16:9"},
        headers={"Authorization": f"Bearer {secret}"}, timeout=30,
    ).json()  # fmt: skip

    card = page.locator(f"#gen-{task['taskId']}")
    expect(card).to_contain_text("Made by a script")
    expect(card).to_have_attribute("data-status", "completed")
    expect(page.locator("article.card").first).to_have_id(f"gen-{task['taskId']}")
    assert page.locator("article.card").count() == 2
    assert page.evaluate("window.__noReload") is True
    screenshot("gallery-api-task-arrived")

    # A form's answer and a poll can both bring the same new card: it is shown once. The copy
    # is the markup as the server sends it: the screenshot left empty style attributes on the
    # page's inputs, which the Content-Security-Policy would refuse when htmx parses them.
    page.evaluate("""() => {
        const card = document.querySelector("article.card");
        const copy = card.outerHTML.replace(/ style="[^"]*"/g, "")
            .replace("<article ", '<article data-again="1" ');
        htmx.swap("#poller", `<div id="poller"></div><div hx-swap-oob="afterbegin:#gallery">${copy}</div>`,
                  {swapStyle: "outerHTML"});
    }""")
    expect(card).to_have_attribute("data-again", "1")
    assert page.locator(f"#gen-{task['taskId']}").count() == 1


def test_the_api_tokens_page_is_in_the_user_menu_and_shows_a_new_token_once(page, sign_up, screenshot):
    sign_up("katherine")

    page.locator("summary", has_text="katherine").click()
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("nightly batch")
    page.get_by_role("button", name="Create token").click()

    secret = page.locator("#new-token").inner_text()
    assert secret.startswith("gs_")
    page.locator("summary", has_text="Signing secret").click()
    expect(page.locator("details.signing-secret code[id^=signing-]")).to_contain_text("whsec_")
    screenshot("api-tokens")
    page.reload()
    expect(page.locator("li", has_text="nightly batch")).to_be_visible()
    assert secret not in page.content()
