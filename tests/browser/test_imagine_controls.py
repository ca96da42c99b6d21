"""Imagine's own controls in the create form: shown for the models and modes that take them,
reachable by keyboard, and refused beside themselves with the words the server uses."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from grokstudio.studio import catalog
from grokstudio.studio.models import Generation, Reference
from tests.factories import make_generation, make_image

pytestmark = pytest.mark.browser

V15 = catalog.VIDEO_MODELS["grok-imagine-video-1.5"]
BASE = catalog.VIDEO_MODELS["grok-imagine-video"]
QUALITY_MODEL = next(m for m in catalog.IMAGE_MODELS.values() if m.qualities)


@pytest.fixture
def signed_in(sign_in, transactional_db):
    person = get_user_model().objects.create_user("mira", password="a-long-test-password")

    def signed_in(page):
        sign_in(page, person)
        return page

    return signed_in


def picture(name: str, color) -> dict:
    return {"name": name, "mimeType": "image/png", "buffer": make_image("PNG", (64, 36), color=color)}


def resolutions(page) -> list[str]:
    """The resolutions the select offers now."""
    return page.locator("#id_resolution option:not(:disabled)").evaluate_all("os => os.map(o => o.value)")


def test_each_control_shows_only_where_the_model_and_mode_take_it(page, live_server, signed_in, screenshot):
    signed_in(page).goto(live_server.url)
    quality = page.get_by_label("Quality")
    expect(quality).to_be_hidden()
    page.get_by_label("Model").select_option(QUALITY_MODEL.name)
    expect(quality).to_be_visible()
    quality.select_option("low")

    page.get_by_role("link", name="Video", exact=True).click()
    expect(page.get_by_label("Duration (seconds)")).to_be_visible()
    page.locator("details.advanced > summary").click()
    keyframes = page.get_by_role("group", name="Keyframes")
    voices = page.get_by_role("group", name="Voices")
    expect(keyframes).to_be_hidden()
    expect(voices).to_be_hidden()
    assert resolutions(page) == list(BASE.resolutions)

    page.get_by_label("Model").select_option(V15.name)
    expect(keyframes).to_be_visible()
    expect(voices).to_be_visible()
    assert resolutions(page) == list(V15.resolutions)
    page.get_by_label("Resolution").select_option("1080p")
    # Everything reachable from the keyboard, each with its own label.
    page.get_by_label(catalog.VOICES["ara"]).focus()
    page.keyboard.press("Space")
    expect(page.get_by_label(catalog.VOICES["ara"])).to_be_checked()
    expect(keyframes.get_by_label("Keyframe 1 image")).to_be_visible()
    expect(keyframes.get_by_label("Keyframe 4 time (seconds)")).to_be_visible()
    screenshot("video-1-5-controls")

    # References take no 1080p and no keyframes: the resolution falls back, the rows go away.
    page.get_by_label("Mode", exact=True).select_option("reference")
    assert resolutions(page) == list(V15.reference_resolutions)
    expect(page.get_by_label("Resolution")).to_have_value(V15.reference_resolutions[0])
    expect(keyframes).to_be_hidden()
    expect(voices).to_be_visible()


def option(page, field: str, value: str):
    """One option of the create form's select `field`."""
    return page.locator(f'#create [name="{field}"] option[value="{value}"]')


def test_the_controls_follow_what_the_options_say_they_take(page, live_server, signed_in):
    signed_in(page).goto(live_server.url)
    plain_image = catalog.IMAGE_MODELS[catalog.DEFAULT_IMAGE_MODEL]
    quality = page.get_by_label("Quality")
    option(page, "model", plain_image.name).evaluate("o => o.dataset.takes = 'quality'")
    expect(quality).to_be_visible()

    page.get_by_role("link", name="Video", exact=True).click()
    expect(page.get_by_label("Duration (seconds)")).to_be_visible()
    page.locator("details.advanced > summary").click()
    keyframes = page.get_by_role("group", name="Keyframes")
    voices = page.get_by_role("group", name="Voices")
    last_frame = page.get_by_label("Last frame")
    # A model whose option says it takes keyframes shows their rows, and nothing it does not take.
    option(page, "model", BASE.name).evaluate("o => o.dataset.takes = 'keyframes'")
    expect(keyframes).to_be_visible()
    expect(voices).to_be_hidden()
    expect(last_frame).to_be_hidden()
    # ... in a mode that takes them too.
    page.get_by_label("Mode", exact=True).select_option("reference")
    expect(keyframes).to_be_hidden()
    option(page, "mode", "reference").evaluate("o => o.dataset.takes += ' keyframes'")
    expect(keyframes).to_be_visible()

    # A model whose option says nothing shows none of them.
    page.get_by_label("Mode", exact=True).select_option("text")
    option(page, "model", V15.name).evaluate("o => delete o.dataset.takes")
    page.get_by_label("Model").select_option(V15.name)
    for control in (keyframes, voices, last_frame):
        expect(control).to_be_hidden()


def test_keyframes_too_close_are_refused_beside_them_then_a_good_request_is_made(
    page, live_server, signed_in
):
    signed_in(page).goto(f"{live_server.url}/?kind=video")
    page.get_by_label("Model").select_option(V15.name)
    page.locator("details.advanced > summary").click()
    page.get_by_label("Prompt").fill("A kite over the dunes")
    page.get_by_label("Keyframe 1 image").set_input_files(picture("dawn.png", (250, 180, 90)))
    page.get_by_label("Keyframe 1 time (seconds)").fill("2")
    page.get_by_label("Keyframe 2 image").set_input_files(picture("dusk.png", (90, 40, 160)))
    page.get_by_label("Keyframe 2 time (seconds)").fill("2.2")
    page.get_by_label(catalog.VOICES["eve"]).check()
    page.get_by_role("button", name="Generate").click()

    keyframes = page.get_by_role("group", name="Keyframes")
    expect(keyframes.get_by_role("alert")).to_have_text(
        "Keyframes must be at least 1/3 s apart: 2.0 s and 2.2 s are too close."
    )
    assert not Generation.objects.exists()
    # The form keeps what was chosen, the pictures included.
    expect(page.get_by_label(catalog.VOICES["eve"])).to_be_checked()
    expect(page.get_by_label("Keyframe 2 time (seconds)")).to_have_value("2.2")
    expect(keyframes.locator("ul.attachments li")).to_have_count(2)

    page.get_by_label("Keyframe 2 time (seconds)").fill("3.5")
    page.get_by_role("button", name="Generate").click()

    expect(page.locator("article.card").first).to_contain_text("A kite over the dunes")
    generation = Generation.objects.get()
    pictures = generation.references.filter(role=Reference.Role.KEYFRAME)
    assert [r.time_s for r in pictures] == [2.0, 3.5] and generation.params["voices"] == ["eve"]


def test_a_gallery_picture_on_a_keyframe_row_stays_in_sight_when_the_form_is_refused(
    page, live_server, signed_in, screenshot
):
    signed_in(page)
    person = get_user_model().objects.get(username="mira")
    still = make_generation(person, prompt="A kite at noon").outputs.get()
    page.set_viewport_size({"width": 1280, "height": 1600})  # the card and the rows on one screen
    page.goto(live_server.url)
    page.get_by_role("link", name="Video", exact=True).click()  # the gallery stays as it is
    page.get_by_label("Model").select_option(V15.name)
    page.locator("details.advanced > summary").click()
    row = page.locator('#create .keyframe[data-keyframe="1"]')
    page.locator(f"#gen-{still.generation_id} .tile a.open").drag_to(row)
    expect(row.get_by_role("listitem")).to_have_count(1)
    # Named as the server names it when the form comes back.
    expect(row.get_by_role("img", name="Keyframe 1")).to_be_visible()
    expect(row.get_by_role("button", name="Remove keyframe 1")).to_be_visible()
    page.get_by_label("Keyframe 1 time (seconds)").fill("2")

    page.get_by_role("button", name="Generate").click()  # no prompt yet

    expect(page.get_by_text("Write a prompt first.")).to_be_visible()
    row = page.locator('#create .keyframe[data-keyframe="1"]')
    expect(row.locator("img")).to_be_visible()
    expect(row.locator("img")).to_have_attribute("src", f"/a/{still.pk}/thumb")
    remove = row.get_by_role("button", name="Remove keyframe 1")
    expect(remove).to_be_visible()
    screenshot("keyframe-gallery-picture-refused", full_page=False)

    remove.click()
    expect(row.get_by_role("listitem")).to_have_count(0)
    page.locator(f"#gen-{still.generation_id} .tile a.open").drag_to(row)
    page.get_by_label("Prompt").fill("A kite climbing into the wind")
    page.get_by_role("button", name="Generate").click()

    expect(page.locator("article.card").first).to_contain_text("A kite climbing into the wind")
    generation = Generation.objects.get(prompt="A kite climbing into the wind")
    assert [r.asset_id for r in generation.references.filter(role=Reference.Role.KEYFRAME)] == [still.pk]
