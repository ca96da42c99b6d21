"""Prompt help as a person uses it: Grok's suggestion sits beside the prompt until they choose."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from grokstudio.studio.models import Generation, PromptHelp
from tests.factories import make_generation, make_image

pytestmark = pytest.mark.browser

ORIGINAL = "a lighthouse at dusk"


@pytest.fixture
def person(transactional_db):
    return get_user_model().objects.create_user("hedy", password="a-long-test-password")


def ask_for_improvement(page):
    page.get_by_label("Prompt").fill(ORIGINAL)
    page.get_by_role("button", name="Improve").click()
    suggestion = page.locator("#prompt-help [data-suggestion-text]")
    expect(suggestion).to_be_visible(timeout=30_000)  # a worker picks the call up
    return suggestion


def test_improve_then_accept_an_edited_suggestion(page, worker, sign_in, person, screenshot):
    sign_in(page, person)
    page.goto("/")
    suggestion = ask_for_improvement(page)

    proposed = suggestion.input_value()
    assert proposed.startswith(f"{ORIGINAL}, ")
    # Nothing is overwritten until the person says so.
    expect(page.get_by_label("Prompt")).to_have_value(ORIGINAL)
    screenshot("prompt-help-improve", full_page=False)

    suggestion.fill(proposed + " Wide angle.")
    page.get_by_role("button", name="Use this prompt").click()

    expect(page.get_by_label("Prompt")).to_have_value(proposed + " Wide angle.")
    expect(page.locator("#prompt-help [data-help]")).to_have_count(0)


def test_improve_then_discard_keeps_the_prompt(page, worker, sign_in, person):
    sign_in(page, person)
    page.goto("/")
    ask_for_improvement(page)

    page.get_by_role("button", name="Discard").click()

    expect(page.locator("#prompt-help [data-suggestion-text]")).to_have_count(0)
    expect(page.get_by_label("Prompt")).to_have_value(ORIGINAL)


def test_describe_a_picture_and_choose_a_prompt(page, worker, sign_in, person, screenshot):
    make_generation(person, prompt="an old photo")
    sign_in(page, person)
    page.goto("/")
    page.locator("article.card a.open").first.click()
    lightbox = page.locator("#lightbox")
    expect(lightbox).to_be_visible()

    lightbox.get_by_role("button", name="Describe").click()
    choices = lightbox.locator("[data-suggestion-text]")
    expect(choices.first).to_be_visible(timeout=30_000)
    assert 1 <= choices.count() <= 4
    second = choices.nth(min(1, choices.count() - 1)).input_value()
    screenshot("prompt-help-describe", full_page=False)
    lightbox.locator("[data-use-suggestion]").nth(min(1, choices.count() - 1)).click()

    expect(lightbox).to_be_hidden()
    expect(page.get_by_label("Prompt")).to_have_value(second)


def test_describe_a_picture_attached_but_not_sent_yet(page, worker, sign_in, person, tmp_path, screenshot):
    picture = tmp_path / "sketch.png"
    picture.write_bytes(make_image(size=(96, 64), color=(30, 90, 200)))
    sign_in(page, person)
    page.goto("/")
    page.locator("details.advanced > summary").click()
    page.locator("#id_references").set_input_files(str(picture))

    page.get_by_role("button", name="Describe sketch.png").click()
    choices = page.locator("#prompt-help [data-suggestion-text]")
    expect(choices.first).to_be_visible(timeout=30_000)
    first = choices.first.input_value()
    assert "blue" in first.lower()
    screenshot("prompt-help-describe-upload", full_page=False)
    page.locator("#prompt-help [data-use-suggestion]").first.click()

    expect(page.get_by_label("Prompt")).to_have_value(first)
    # The picture is still attached, ready to go with Generate.
    expect(page.locator("ul.attachments li.file")).to_have_count(1)


def test_without_a_script_a_chosen_suggestion_reaches_the_prompt_box_but_not_the_address(
    new_page, sign_in, person, screenshot
):
    suggestion = f"{ORIGINAL}, " + "the beam sweeping a wine-dark sea, gulls wheeling in the spray, " * 30
    help = PromptHelp.objects.create(user=person, kind="improve", prompt=ORIGINAL, target={"kind": "video"})
    help.claim()
    help.complete([suggestion.strip()], 1_000_000)
    page = new_page(java_script_enabled=False)
    sign_in(page, person)
    page.goto(f"/help/{help.pk}/")
    screenshot("prompt-help-page-without-a-script", of=page)
    page.get_by_label("Suggestion 1").fill(suggestion.strip() + " Wide angle.")

    page.get_by_role("button", name="Use this prompt").click()

    expect(page.get_by_label("Prompt")).to_have_value(suggestion.strip() + " Wide angle.")
    assert page.url.endswith("/?kind=video")


# What "Describe" on a picture not sent yet does with an answer: parsed into #prompt-help, inside
# the create form, as HTML of its own.
PUT_ANSWER_IN_THE_CREATE_FORM = """async (url) => {
    const response = await fetch(url, {headers: {"HX-Request": "true"}});
    const target = document.querySelector("#create #prompt-help");
    target.innerHTML = await response.text();
    htmx.process(target);
}"""


def completed_help(person, suggestion):
    help = PromptHelp.objects.create(user=person, kind="improve", prompt=ORIGINAL, target={"kind": "image"})
    help.claim()
    help.complete([suggestion], 1_000_000)
    return help


def test_using_a_suggestion_inside_the_create_form_fills_the_prompt_and_generates_nothing(
    page, sign_in, person, screenshot
):
    help = completed_help(person, f"{ORIGINAL}, the beam sweeping a wine-dark sea")
    sign_in(page, person)
    page.goto("/")
    page.get_by_label("Prompt").fill(ORIGINAL)
    page.evaluate(PUT_ANSWER_IN_THE_CREATE_FORM, f"/help/{help.pk}/")
    sent = []
    page.on("request", lambda request: sent.append(request.url))

    page.get_by_role("button", name="Use this prompt").click()

    expect(page.get_by_label("Prompt")).to_have_value(f"{ORIGINAL}, the beam sweeping a wine-dark sea")
    expect(page.locator("#prompt-help [data-help]")).to_have_count(0)
    screenshot("prompt-help-used-inside-the-create-form", full_page=False)
    assert not [url for url in sent if "/generate/" in url or "/use" in url]
    assert not Generation.objects.exists()


def test_ctrl_enter_in_a_suggestion_uses_it_without_leaving_the_page(page, sign_in, person):
    help = completed_help(person, f"{ORIGINAL}, gulls wheeling in the spray")
    sign_in(page, person)
    page.goto("/")
    page.evaluate("window.__noReload = true")
    page.get_by_label("Prompt").fill(ORIGINAL)
    page.evaluate(PUT_ANSWER_IN_THE_CREATE_FORM, f"/help/{help.pk}/")
    sent = []
    page.on("request", lambda request: sent.append(request.url))
    suggestion = page.get_by_label("Suggestion 1")
    suggestion.fill(f"{ORIGINAL}, gulls wheeling in the spray. Wide angle.")

    suggestion.press("Control+Enter")

    expect(page.get_by_label("Prompt")).to_have_value(f"{ORIGINAL}, gulls wheeling in the spray. Wide angle.")
    expect(page.locator("#prompt-help [data-help]")).to_have_count(0)
    assert page.evaluate("window.__noReload") is True
    assert not [url for url in sent if "/generate/" in url or "/use" in url]
    assert not Generation.objects.exists()

    # Held down, the keys repeat on the Prompt box the suggestion went to: that sends nothing.
    page.get_by_label("Prompt").dispatch_event("keydown", {"key": "Enter", "ctrlKey": True, "repeat": True})
    page.wait_for_timeout(500)
    assert not [url for url in sent if "/generate/" in url] and not Generation.objects.exists()


def test_on_an_items_own_page_a_chosen_description_opens_the_create_form_with_it(
    page, worker, sign_in, person
):
    still = make_generation(person, prompt="an old photo").outputs.get()
    sign_in(page, person)
    page.goto(f"/a/{still.pk}/")

    page.get_by_role("button", name="Describe").click()
    choices = page.locator("[data-suggestion-text]")
    expect(choices.first).to_be_visible(timeout=30_000)
    first = choices.first.input_value()
    page.locator("[data-use-suggestion]").first.click()

    expect(page.get_by_label("Prompt")).to_have_value(first)
    assert page.url.endswith("/") and first.split()[0] not in page.url
