"""Share links, presets and compare, as a person uses them in a browser."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.factories import make_generation

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 375, "height": 812},
    "color_scheme": "dark",
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture
def person(transactional_db):
    return get_user_model().objects.create_user("mira", password="a-long-test-password")


@pytest.fixture
def shots():
    """Where the other browser tests keep theirs: under the test run's own var directory."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def test_a_shared_link_shows_the_picture_and_prompt_to_a_signed_out_browser_until_revoked(
    page, new_page, sign_in, person, browser_problems, shots
):
    make_generation(person, prompt="A red fox asleep in the snow")
    asset = make_generation(person, prompt="A lighthouse in a storm at night").outputs.get()
    sign_in(page, person)
    page.goto(f"/a/{asset.pk}/")
    page.get_by_text("Share", exact=True).click()
    page.get_by_label("Expires").select_option("day")
    page.get_by_role("button", name="Create link").click()
    made = page.locator(".share-made code")
    expect(made).to_contain_text("/s/")
    page.screenshot(path=str(shots / "share-made.png"))
    url = made.inner_text()

    stranger = new_page()
    stranger.goto(url)
    expect(stranger.get_by_role("img", name="A lighthouse in a storm at night")).to_be_visible()
    expect(stranger.get_by_text("A lighthouse in a storm at night")).to_be_visible()
    expect(stranger.get_by_role("link", name="Download")).to_be_visible()
    assert stranger.locator('meta[name="robots"]').get_attribute("content").startswith("noindex")
    # Nothing else of the owner's: no other item, no gallery, no name.
    assert stranger.get_by_role("link").count() == 1
    content = stranger.content()
    assert "mira" not in content and "fox" not in content
    assert stranger.evaluate("document.querySelector('img').naturalWidth") > 0
    stranger.screenshot(path=str(shots / "share-public-light.png"))
    phone = new_page(**PHONE)
    phone.goto(url)
    expect(phone.get_by_role("img", name="A lighthouse in a storm at night")).to_be_visible()
    phone.screenshot(path=str(shots / "share-public-phone-dark.png"))

    page.goto("/shared/")
    expect(page.get_by_role("heading", name="Shared links")).to_be_visible()
    page.screenshot(path=str(shots / "share-links.png"))
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("Link revoked")).to_be_visible()

    browser_problems.expect_status(404, "/s/")
    assert stranger.goto(url).status == 404


def test_a_preset_is_saved_from_the_form_applied_in_one_click_and_used_by_the_api(
    page, sign_in, person, shots
):
    from django.test import Client

    from grokstudio.api.models import ApiToken
    from grokstudio.studio.models import Generation

    sign_in(page, person)
    page.goto("/")
    page.get_by_label("Aspect ratio").select_option("16:9")
    page.get_by_label("Number of images").fill("3")
    page.get_by_text("Save as preset").click()
    page.get_by_label("Name", exact=True).fill("Wide")
    page.get_by_label("Prefix").fill("A cinematic photo of")
    page.get_by_role("button", name="Save preset").click()
    expect(page.locator(".preset-bar .chip.on")).to_have_text("Wide")
    expect(page.get_by_text("Saved the preset “Wide”.")).to_be_visible()

    page.goto("/")
    expect(page.get_by_label("Aspect ratio")).not_to_have_value("16:9")
    page.get_by_label("Prompt").fill("a heron at dawn")
    page.locator(".preset-bar").get_by_role("link", name="Wide").click()
    expect(page.get_by_label("Aspect ratio")).to_have_value("16:9")
    expect(page.get_by_label("Number of images")).to_have_value("3")
    expect(page.get_by_label("Prompt")).to_have_value("a heron at dawn")
    expect(page.get_by_text("wraps your prompt")).to_be_visible()
    page.screenshot(path=str(shots / "preset-applied.png"))

    script = Client(headers={"Authorization": f"Bearer {ApiToken.issue(person, 'script')[1]}"})
    answer = script.post(
        "/xai/images", {"prompt": "a heron", "preset": "Wide"}, content_type="application/json"
    )
    assert answer.status_code == 200, answer.content
    generation = Generation.objects.get(pk=int(answer.json()["taskId"]))
    assert generation.prompt == "A cinematic photo of a heron" and generation.params["n"] == 3


def transforms(page) -> list[str]:
    """Each picture's zoom and pan, the pan as a share of its pane (panes differ in size)."""
    return page.eval_on_selector_all(
        ".stage img",
        """els => els.map(e => { const m = new DOMMatrix(getComputedStyle(e).transform);
           return [m.a, m.e / e.clientWidth, m.f / e.clientHeight].map(v => v.toFixed(2)).join(" "); })""",
    )


def test_two_images_compare_with_zoom_in_step_and_arrow_keys_changing_the_largest(
    page, new_page, sign_in, person, shots
):
    older = make_generation(person, prompt="A fox in the snow").outputs.get()
    newer = make_generation(person, prompt="A heron at dawn").outputs.get()
    sign_in(page, person)
    page.goto("/")
    page.get_by_label("Select “A fox in the snow”").check()
    page.get_by_label("Select “A heron at dawn”").check()
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", name="Compare")).to_be_visible()
    assert f"ids={newer.pk},{older.pk}" in page.url
    panes = page.locator("[data-pane]")
    expect(panes.nth(0)).to_have_class("pane is-main")

    assert set(transforms(page)) == {"1.00 0.00 0.00"}
    page.get_by_role("button", name="Zoom in").click()
    page.get_by_role("button", name="Zoom in").click()
    expect(page.locator("[data-zoom-level]")).to_have_text("156%")
    after_buttons = transforms(page)
    assert set(after_buttons) == {"1.56 0.00 0.00"}
    page.locator("[data-stage]").nth(1).hover()
    page.mouse.wheel(0, -300)
    page.mouse.down()
    page.mouse.move(300, 300)
    page.mouse.up()
    after_wheel = transforms(page)
    assert len(set(after_wheel)) == 1 and after_wheel[0] != after_buttons[0]
    page.screenshot(path=str(shots / "compare-zoomed.png"))

    page.keyboard.press("ArrowRight")
    expect(panes.nth(1)).to_have_class("pane is-main")
    expect(panes.nth(0)).not_to_have_class("pane is-main")
    page.keyboard.press("ArrowRight")
    expect(panes.nth(0)).to_have_class("pane is-main")

    phone = new_page(**PHONE)
    sign_in(phone, person)
    phone.goto(f"/compare/?ids={newer.pk},{older.pk}")
    expect(phone.get_by_role("button", name="Zoom in")).to_be_visible()
    phone.screenshot(path=str(shots / "compare-phone-dark.png"))
