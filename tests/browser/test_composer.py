"""The create form as a person uses it: nothing typed is lost, the gallery comes first,
and reference images arrive by dropping, pasting or picking them."""

from __future__ import annotations

import base64
import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from grokstudio.studio.models import Generation, Preset
from tests.browser.seeing import focus_ring_pixels
from tests.factories import make_clip, make_generation, make_image

pytestmark = pytest.mark.browser

LONG_PROMPT = ("A lighthouse keeper's cat watches the storm roll in over the bay. " * 80)[:5000]


@pytest.fixture
def person(transactional_db):
    return get_user_model().objects.create_user("iris", password="a-long-test-password")


@pytest.fixture
def signed_in(sign_in, person):
    """Give a page the session of `person`, as if they had signed in."""

    def signed_in(page):
        sign_in(page, person)
        return page

    return signed_in


def posts_to(page, path: str) -> list[str]:
    sent: list[str] = []
    page.on(
        "request",
        lambda request: request.method == "POST" and path in request.url and sent.append(request.url),
    )
    return sent


# --- Nothing typed is lost silently ------------------------------------------------------------


def test_a_pasted_long_prompt_is_kept_counted_and_not_sent(page, signed_in, screenshot):
    signed_in(page).goto("/")
    prompt = page.get_by_label("Prompt")
    count = page.locator("#id_prompt_count .shown")
    expect(count).to_have_text("0 / 1,000")
    sent = posts_to(page, "/generate/")

    prompt.fill(LONG_PROMPT)

    expect(prompt).to_have_value(LONG_PROMPT)
    expect(count).to_have_text("4,000 characters over the 1,000 limit.")
    expect(prompt).to_have_attribute("aria-invalid", "true")
    # The reason is part of the box's description, for a screen reader too.
    assert "id_prompt_count" in prompt.get_attribute("aria-describedby")
    page.get_by_role("button", name="Generate").click()
    alert = page.locator("#create [data-length-error]")
    expect(alert).to_have_text("Not sent: 4,000 characters over the 1,000 limit. Shorten it, then try again.")
    expect(alert).to_have_attribute("role", "alert")
    expect(prompt).to_be_focused()
    screenshot("composer-prompt-over-limit", full_page=False)
    assert sent == []
    assert Generation.objects.count() == 0

    prompt.fill(LONG_PROMPT[:1000])
    expect(count).to_have_text("1,000 / 1,000")
    expect(prompt).not_to_have_attribute("aria-invalid", "true")
    expect(alert).to_have_count(0)
    page.get_by_role("button", name="Generate").click()
    expect(page.locator("article.card")).to_have_count(1)
    assert Generation.objects.get().prompt == LONG_PROMPT[:1000].strip()


def test_without_a_script_the_server_refuses_a_long_prompt_and_keeps_it(
    new_page, signed_in, browser_problems
):
    browser_problems.expect_status(400, "/generate/")  # the refused form comes back with its message
    page = signed_in(new_page(java_script_enabled=False))
    page.goto("/")

    page.get_by_label("Prompt").fill(LONG_PROMPT)
    page.get_by_role("button", name="Generate").click()

    expect(page.locator(".field.invalid .error")).to_have_text("4,000 characters over the 1,000 limit.")
    expect(page.get_by_label("Prompt")).to_have_value(LONG_PROMPT.strip())
    assert Generation.objects.count() == 0


def test_names_of_tokens_and_collections_are_counted_and_refused_over_the_limit(page, signed_in):
    signed_in(page).goto("/accounts/api-tokens/")
    sent = posts_to(page, "/api-tokens/")
    name = page.get_by_label("Name")
    name.fill("n" * 90)
    expect(page.locator("#id_name_count .shown")).to_have_text("10 characters over the 80 limit.")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("[data-length-error]")).to_contain_text("10 characters over the 80 limit.")
    assert sent == []

    page.goto("/collections/")
    page.get_by_label("Name").fill("Harbour studies")
    page.get_by_role("button", name="Create", exact=True).click()
    rename = page.get_by_label("New name for Harbour studies")
    rename.fill("h" * 81)
    expect(rename).to_have_value("h" * 81)
    expect(rename).to_have_attribute("aria-invalid", "true")
    sent = posts_to(page, "/rename")
    page.get_by_role("button", name="Rename").click()
    expect(page.locator(".rename [data-length-error]")).to_contain_text("1 character over the 80 limit.")
    assert sent == []


def test_a_long_preset_name_in_the_closed_panel_does_not_stop_generate(page, signed_in):
    signed_in(page).goto("/")
    page.get_by_text("Save as preset").click()
    page.get_by_label("Name").fill("n" * 90)
    page.get_by_text("Save as preset").click()  # closed again, its over-long name unseen
    expect(page.get_by_label("Name")).to_be_hidden()

    page.get_by_label("Prompt").fill("A kite over the dunes")
    page.get_by_role("button", name="Generate").click()

    expect(page.locator("article.card", has_text="A kite over the dunes")).to_have_count(1)
    assert Generation.objects.filter(prompt="A kite over the dunes").count() == 1


# --- The gallery first ---------------------------------------------------------------------------


def rows_of_cards(page) -> list[list[dict]]:
    """The cards' boxes on screen, grouped into the rows the grid puts them in."""
    rows: dict[float, list[dict]] = {}
    boxes = "cards => cards.map(c => c.getBoundingClientRect()).map(r => ({top: r.top, bottom: r.bottom}))"
    for box in page.locator("article.card").evaluate_all(boxes):
        rows.setdefault(round(box["top"]), []).append(box)
    return [rows[top] for top in sorted(rows)]


@pytest.fixture
def twelve_items(person):
    for i in range(12):
        make_generation(person, prompt=f"Study number {i} of a quiet harbour at first light")


# Each element's box on screen.
BOXES = "els => els.map(e => e.getBoundingClientRect()).map(r => ({top: r.top, bottom: r.bottom}))"


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_on_a_laptop_screen_two_rows_of_pictures_show_below_the_create_bar(
    new_page, signed_in, twelve_items, screenshot, color_scheme
):
    page = signed_in(new_page(viewport={"width": 1440, "height": 900}, color_scheme=color_scheme))
    page.goto("/")
    expect(page.locator("article.card")).to_have_count(12)
    expect(page.get_by_role("button", name="Select", exact=True)).to_be_visible()
    screenshot(f"gallery-1440x900-{color_scheme}", of=page, full_page=False)

    height = 900
    first, second = rows_of_cards(page)[:2]
    assert max(card["bottom"] for card in first) <= height, "the first row is cut off"
    # The second row's pictures are whole on the first screen.
    top = min(card["top"] for card in second)
    second_pictures = [
        box for box in page.locator("article.card .tiles").evaluate_all(BOXES) if abs(box["top"] - top) < 3
    ]
    assert second_pictures and max(box["bottom"] for box in second_pictures) <= height, second_pictures
    generate = page.get_by_role("button", name="Generate").bounding_box()
    assert generate["y"] + generate["height"] <= height
    # The selection bar waits until it is wanted; "Reference images" shares the options' row.
    expect(page.locator("#bulk")).to_be_hidden()
    summary = page.locator("details.advanced > summary").bounding_box()
    model = page.get_by_label("Model", exact=True).bounding_box()
    assert abs((summary["y"] + summary["height"] / 2) - (model["y"] + model["height"] / 2)) < 6


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_on_a_phone_the_first_card_shows_and_the_filters_are_one_button(
    new_page, signed_in, twelve_items, screenshot, color_scheme
):
    page = signed_in(
        new_page(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, color_scheme=color_scheme
        )
    )
    page.goto("/")

    picture = page.locator("article.card .tiles").first.bounding_box()
    assert picture["y"] + 120 < 844, picture  # the first picture's top, and a good part of it
    screenshot(f"gallery-390x844-{color_scheme}", of=page, full_page=False)
    expect(page.get_by_label("Kind")).to_be_hidden()
    filters = page.locator("summary", has_text="Filters")
    filters.tap()
    expect(page.get_by_label("Kind")).to_be_visible()
    page.get_by_label("Kind").select_option(label="Images")
    expect(page).to_have_url(re.compile(r"kind=image"))


# How wide the search box's placeholder is drawn, and the room the box has for text.
PLACEHOLDER_ROOM = """box => {
    const style = getComputedStyle(box, "::placeholder");
    const pen = document.createElement("canvas").getContext("2d");
    pen.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const inner = getComputedStyle(box);
    const room = box.clientWidth - parseFloat(inner.paddingLeft) - parseFloat(inner.paddingRight);
    return {text: box.placeholder, width: pen.measureText(box.placeholder).width, room};
}"""


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1440])
def test_the_search_box_shows_its_whole_placeholder(
    new_page, signed_in, twelve_items, screenshot, width, color_scheme
):
    page = signed_in(new_page(viewport={"width": width, "height": 844}, color_scheme=color_scheme))
    page.goto("/")
    search = page.get_by_role("searchbox", name="Search the gallery")
    expect(search).to_be_visible()

    seen = search.evaluate(PLACEHOLDER_ROOM)
    screenshot(f"gallery-search-{width}-{color_scheme}", of=page, full_page=False)
    assert seen["text"].strip(" …") and seen["width"] <= seen["room"], seen
    # All inside the screen. On a phone the search box and the Filters button share a row and the
    # gallery's tools (Select, Notify me) go below them; wider, the tools sit beside the search.
    bar, tools = page.locator(".gallery-bar").bounding_box(), page.locator(".gallery-tools").bounding_box()
    box = search.bounding_box()
    for part in (box, tools):
        assert part["x"] >= 0 and part["x"] + part["width"] <= width, part
        assert bar["y"] <= part["y"] and part["y"] + part["height"] <= bar["y"] + bar["height"], (bar, part)
    if width < 700:
        filters = page.locator(".filter-more > summary").bounding_box()
        assert abs(filters["y"] - box["y"]) <= 4 and filters["x"] >= box["x"] + box["width"], (box, filters)
        assert tools["y"] >= max(box["y"] + box["height"], filters["y"] + filters["height"]), (filters, tools)
    else:
        assert tools["x"] >= box["x"] + box["width"] and tools["y"] < box["y"] + box["height"], (box, tools)


def test_a_laptop_shows_the_filters_without_a_button(new_page, signed_in):
    page = signed_in(new_page(viewport={"width": 1440, "height": 900}))
    page.goto("/")

    expect(page.get_by_label("Kind")).to_be_visible()
    expect(page.locator("summary", has_text="Filters")).to_be_hidden()


def test_more_options_stays_as_the_person_left_it(page, signed_in):
    signed_in(page).goto("/")
    more = page.locator("details.advanced")
    expect(more).not_to_have_attribute("open", "")
    expect(page.get_by_label("Reference images")).to_be_hidden()

    page.locator("details.advanced > summary").click()
    expect(page.get_by_label("Reference images")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Reference images")).to_be_visible()

    page.locator("details.advanced > summary").click()
    page.reload()
    expect(page.get_by_label("Reference images")).to_be_hidden()


# --- References by drag, drop and paste ----------------------------------------------------------

# Files made in the page from bytes, then dropped on `target` or pasted into it, as a person's
# file manager or clipboard would hand them over.
DROP_JS = """([selector, files]) => {
    const transfer = new DataTransfer();
    for (const f of files) {
        const bytes = Uint8Array.from(atob(f.data), c => c.charCodeAt(0));
        transfer.items.add(new File([bytes], f.name, {type: f.type}));
    }
    const target = document.querySelector(selector);
    for (const type of ["dragenter", "dragover", "drop"]) {
        target.dispatchEvent(new DragEvent(type, {dataTransfer: transfer, bubbles: true, cancelable: true}));
    }
}"""
PASTE_JS = DROP_JS.replace(
    """for (const type of ["dragenter", "dragover", "drop"]) {
        target.dispatchEvent(new DragEvent(type, {dataTransfer: transfer, bubbles: true, cancelable: true}));
    }""",
    """target.focus();
    const paste = new ClipboardEvent("paste", {clipboardData: transfer, bubbles: true, cancelable: true});
    target.dispatchEvent(paste);""",
)


def a_file(name: str, data: bytes, type: str) -> dict:
    return {"name": name, "data": base64.b64encode(data).decode(), "type": type}


def png(name: str, color) -> dict:
    return a_file(name, make_image(size=(96, 96), color=color), "image/png")


def test_drop_paste_and_remove_references_then_generate_with_them(page, signed_in, worker, screenshot):
    signed_in(page).goto("/")
    page.evaluate(DROP_JS, ["#id_prompt", [png("red.png", (220, 40, 40)), png("green.png", (40, 200, 60))]])
    attached = page.get_by_role("list", name="Attached: Reference images").get_by_role("listitem")
    expect(attached).to_have_count(2)
    expect(page.get_by_label("Reference images", exact=True)).to_be_visible()  # "More" opened to show them

    page.evaluate(PASTE_JS, ["#id_prompt", [png("pasted.png", (40, 60, 220))]])
    expect(attached).to_have_count(3)
    assert page.eval_on_selector("#id_references", "input => [...input.files].map(f => f.name)") == [
        "red.png",
        "green.png",
        "pasted.png",
    ]
    screenshot("composer-attachments", full_page=False)

    page.get_by_role("button", name="Remove green.png").click()
    expect(attached).to_have_count(2)
    expect(attached).to_contain_text(["red.png", "pasted.png"])
    page.get_by_label("Prompt").fill("Mix these two colours into a sunset")
    page.get_by_role("button", name="Generate").click()

    card = page.locator("article.card").first
    expect(card).to_have_attribute("data-status", "completed", timeout=20_000)
    generation = Generation.objects.get()
    references = [r.asset.original_name for r in generation.references.order_by("pk")]
    assert references == ["red.png", "pasted.png"]
    expect(attached).to_have_count(0)  # a fresh form after a success


def test_a_picture_dragged_from_the_gallery_goes_as_a_gallery_reference(page, signed_in, person, worker):
    made = make_generation(person, prompt="A red fox at dawn")
    signed_in(page).goto("/")

    page.locator(f"#gen-{made.pk} .tile a.open").drag_to(page.get_by_label("Prompt"))

    attached = page.get_by_role("list", name="Attached: Reference images").get_by_role("listitem")
    expect(attached).to_have_count(1)
    expect(page.locator('#create input[name="reference_assets"]')).to_have_value(str(made.outputs.get().pk))
    page.get_by_label("Prompt").fill("The same fox at night")
    page.get_by_role("button", name="Generate").click()

    card = page.locator("article.card", has_text="The same fox at night")
    expect(card).to_have_attribute("data-status", "completed", timeout=20_000)
    generation = Generation.objects.get(prompt="The same fox at night")
    assert [r.asset_id for r in generation.references.all()] == [made.outputs.get().pk]


@pytest.mark.parametrize(
    ("mode", "role"), [("reference", "reference"), ("text", "first_frame")], ids=["reference", "starting"]
)
def test_a_gallery_picture_dragged_onto_the_video_form_goes_by_id(
    page, signed_in, person, worker, mode, role
):
    made = make_generation(person, prompt="A red fox at dawn")
    signed_in(page).goto("/")
    page.get_by_role("navigation", name="What to make").get_by_role("link", name="Video").click()
    page.get_by_label("Mode", exact=True).select_option(mode)

    page.locator(f"#gen-{made.pk} .tile a.open").drag_to(page.get_by_label("Prompt"))

    expected_mode = "reference" if mode == "reference" else "image"
    expect(page.get_by_label("Mode", exact=True)).to_have_value(expected_mode)
    expect(page.get_by_role("listitem").filter(has_text="Picture from your gallery")).to_have_count(1)
    page.get_by_label("Prompt").fill("The fox walks into the night")
    page.get_by_label("Duration (seconds)").fill("2")
    page.get_by_role("button", name="Generate").click()

    card = page.locator("article.card", has_text="The fox walks into the night")
    expect(card).to_have_attribute("data-status", "completed", timeout=30_000)
    generation = Generation.objects.get(prompt="The fox walks into the night")
    assert [(r.role, r.asset_id) for r in generation.references.all()] == [(role, made.outputs.get().pk)]


def test_files_stay_attached_when_the_server_refuses_the_form(page, signed_in):
    signed_in(page).goto("/")
    page.evaluate(DROP_JS, ["#create", [png("keep-me.png", (10, 10, 10))]])
    page.get_by_label("Prompt").fill("Something")
    page.get_by_label("Number of images").fill("11")
    page.get_by_role("button", name="Generate").click()

    expect(page.locator(".field.invalid")).to_contain_text("10")
    expect(page.get_by_role("list", name="Attached: Reference images")).to_contain_text("keep-me.png")
    assert page.eval_on_selector("#id_references", "input => input.files.length") == 1


def test_a_clip_dropped_on_the_video_form_becomes_the_source_clip(page, signed_in):
    signed_in(page).goto("/?kind=video")
    page.evaluate(DROP_JS, ["#create", [a_file("walk.mp4", make_clip(seconds=1.0), "video/mp4")]])

    expect(page.get_by_label("Mode", exact=True)).to_have_value("video")
    expect(page.get_by_label("Source clip", exact=True)).to_be_visible()
    assert page.eval_on_selector("#id_video", "input => input.files[0].name") == "walk.mp4"
    expect(page.get_by_role("list", name="Attached: Source clip")).to_contain_text("walk.mp4")


# --- The Image / Video switch, and attachments that come off one by one ------------------------


FILE_NAMES = "input => [...input.files].map(f => f.name)"


def test_switching_image_and_video_keeps_the_prompt_and_what_is_attached(page, signed_in, person):
    made = make_generation(person, prompt="A red fox at dawn")
    signed_in(page).goto("/")
    prompt = page.get_by_label("Prompt")
    prompt.fill("The fox walks into the night")
    page.locator(f"#gen-{made.pk} .tile a.open").drag_to(prompt)
    page.evaluate(DROP_JS, ["#id_prompt", [png("red.png", (220, 40, 40))]])
    kinds = page.get_by_role("navigation", name="What to make")

    kinds.get_by_role("link", name="Video").click()

    expect(kinds.get_by_role("link", name="Video")).to_have_attribute("aria-current", "page")
    expect(prompt).to_have_value("The fox walks into the night")
    expect(page.get_by_label("Mode", exact=True)).to_have_value("reference")  # a video from those pictures
    attached = page.get_by_role("list", name="Attached: Reference images").get_by_role("listitem")
    expect(attached).to_have_count(2)
    expect(page.locator('#create input[name="reference_assets"]')).to_have_value(str(made.outputs.get().pk))
    assert page.eval_on_selector("#id_references", "input => [...input.files].map(f => f.name)") == [
        "red.png"
    ]

    kinds.get_by_role("link", name="Image").click()

    expect(kinds.get_by_role("link", name="Image")).to_have_attribute("aria-current", "page")
    expect(prompt).to_have_value("The fox walks into the night")
    expect(attached).to_have_count(2)
    assert page.eval_on_selector("#id_references", "input => [...input.files].map(f => f.name)") == [
        "red.png"
    ]


def test_a_long_prompt_stays_in_the_page_across_the_switch_and_a_preset(page, signed_in, person):
    Preset.objects.create(
        user=person, name="Wide", kind="image",
        options={"model": "grok-imagine-image", "aspect_ratio": "16:9", "resolution": "1k", "n": 2},
    )  # fmt: skip
    text = "灯台と夜の海、" * 150  # over the limit, and some 9 KB in an address: more than a server takes
    signed_in(page).goto("/")
    prompt = page.get_by_label("Prompt")
    prompt.fill(text)
    addresses: list[str] = []
    page.on("request", lambda request: addresses.append(request.url))
    kinds = page.get_by_role("navigation", name="What to make")

    kinds.get_by_role("link", name="Video").click()
    expect(kinds.get_by_role("link", name="Video")).to_have_attribute("aria-current", "page")
    expect(prompt).to_have_value(text)
    kinds.get_by_role("link", name="Image").click()
    expect(kinds.get_by_role("link", name="Image")).to_have_attribute("aria-current", "page")
    page.get_by_role("link", name="Wide").click()

    expect(page.get_by_role("link", name="Wide")).to_have_attribute("aria-current", "true")
    expect(page.get_by_label("Aspect ratio")).to_have_value("16:9")
    expect(prompt).to_have_value(text)
    expect(page.locator("#id_prompt_count")).to_contain_text("over")
    assert addresses and not [a for a in addresses if "prompt=" in a]


def test_a_gallery_reference_comes_off_alone_and_the_prompt_stays(page, signed_in, person):
    first = make_generation(person, prompt="A red fox").outputs.get()
    second = make_generation(person, prompt="A grey heron").outputs.get()
    signed_in(page).goto(f"/?reference_asset={first.pk}&reference_asset={second.pk}")
    page.get_by_label("Prompt").fill("Both of them by the river")
    attached = page.get_by_role("list", name="Attached: Reference images").get_by_role("listitem")
    expect(attached).to_have_count(2)
    address = page.url

    page.get_by_role("button", name="Remove reference image 1").click()

    expect(attached).to_have_count(1)
    expect(page.locator("details.advanced > summary")).to_have_text("References (1)")
    expect(page.get_by_role("button", name="Remove reference image 2")).to_be_focused()
    expect(page.get_by_label("Prompt")).to_have_value("Both of them by the river")
    assert page.url == address
    page.get_by_role("button", name="Generate").click()
    expect(page.locator("article.card", has_text="Both of them by the river")).to_have_count(1)
    generation = Generation.objects.get(prompt="Both of them by the river")
    assert [r.asset_id for r in generation.references.all()] == [second.pk]


def test_the_picture_to_animate_comes_off_and_a_file_can_take_its_place(page, signed_in, person):
    still = make_generation(person, prompt="A red fox").outputs.get()
    signed_in(page).goto(f"/?kind=video&mode=image&image_asset={still.pk}")
    expect(page.get_by_role("img", name="The image to animate")).to_be_visible()

    page.get_by_role("button", name="Remove the image to animate").click()

    expect(page.get_by_role("img", name="The image to animate")).to_have_count(0)
    expect(page.locator('#create input[name="image_asset"]')).to_have_count(0)
    expect(page.get_by_label("Starting image", exact=True)).to_be_focused()


def test_the_counts_say_one_character_not_one_characters(page, signed_in):
    signed_in(page).goto("/accounts/api-tokens/")
    name = page.get_by_label("Name")

    name.fill("n")
    expect(page.locator("#id_name_count .visually-hidden")).to_have_text("1 character of at most 80.")
    name.fill("n" * 79)
    expect(page.locator("#length-status")).to_have_text("1 character left.")
    name.fill("n" * 78)
    name.fill("n" * 81)
    expect(page.locator("#length-status")).to_have_text("1 character over the 80 limit.")


# --- By keyboard alone -----------------------------------------------------------------------


def tab_to(page, locator, limit: int = 80) -> None:
    """Press Tab until `locator` has the focus, as a person without a mouse would."""
    for _ in range(limit):
        if locator.evaluate("el => el === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(locator).to_be_focused()
    assert locator.evaluate("el => getComputedStyle(el).outlineStyle") != "none", "no focus ring"
    assert focus_ring_pixels(page, locator) > 20, "a focus ring no one can see"


def test_the_composer_and_a_cards_menu_work_from_the_keyboard(page, signed_in, person, worker):
    made = make_generation(person, prompt="A red fox at dawn")
    signed_in(page).goto(f"/?reference_asset={made.outputs.get().pk}")
    page.get_by_label("Prompt").fill("A fox in the snow")
    page.get_by_label("Prompt").focus()

    references = page.locator("details.advanced")
    remove = page.get_by_role("button", name="Remove reference image 1")
    tab_to(page, remove)  # "References" is open: it holds a picture
    page.keyboard.press("Enter")
    expect(page.get_by_role("img", name="Reference image 1")).to_have_count(0)
    page.keyboard.press("Shift+Tab")
    summary = references.locator("summary")
    tab_to(page, summary)
    page.keyboard.press("Enter")
    expect(references).not_to_have_attribute("open", "")
    page.keyboard.press("Space")
    expect(references).to_have_attribute("open", "")

    page.get_by_label("Prompt").focus()
    save = page.locator("details.save-preset")
    tab_to(page, save.locator("summary"))
    page.keyboard.press("Space")
    expect(page.get_by_label("Name")).to_be_visible()
    tab_to(page, page.get_by_label("Name"))
    page.keyboard.type("Snow")
    tab_to(page, page.get_by_role("button", name="Save preset"))
    page.keyboard.press("Enter")
    expect(page.locator(".preset-bar .chip.on")).to_have_text("Snow")

    page.get_by_label("Prompt").focus()
    improve = page.get_by_role("button", name="Improve")
    tab_to(page, improve)
    with page.expect_request("**/improve/"):
        page.keyboard.press("Enter")
    expect(page.locator("#prompt-help [data-help]")).to_be_visible()  # answered: the page stops moving

    menu = page.locator(f"#gen-{made.pk} details.menu")
    tab_to(page, menu.locator("summary"), limit=120)
    page.keyboard.press("Enter")
    reroll = menu.get_by_role("button", name="Reroll")
    expect(reroll).to_be_visible()
    tab_to(page, reroll)
    tab_to(page, menu.get_by_role("link", name="Details"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/g/{made.pk}/$"))


def test_the_phone_filters_button_works_from_the_keyboard(new_page, signed_in):
    page = signed_in(new_page(viewport={"width": 390, "height": 844}))
    page.goto("/")
    page.get_by_label("Search the gallery").focus()

    filters = page.locator("summary", has_text="Filters")
    tab_to(page, filters)
    page.keyboard.press("Enter")
    expect(page.get_by_label("Kind")).to_be_visible()
    tab_to(page, page.get_by_label("Kind"))


def test_a_gallery_video_dragged_onto_the_video_form_becomes_the_source_clip_by_id(
    page, signed_in, person, worker
):
    clip = make_generation(person, prompt="Waves on a breakwater", kind="video").outputs.get()
    signed_in(page).goto("/?kind=video")

    page.locator(f"#gen-{clip.generation_id} .tile a.expand").drag_to(page.get_by_label("Prompt"))

    expect(page.get_by_label("Mode", exact=True)).to_have_value("video")
    expect(page.get_by_role("list", name="Attached: Source clip")).to_contain_text("Clip from your gallery")
    expect(page.locator('#create input[name="video_asset"]')).to_have_value(str(clip.pk))
    page.get_by_label("Prompt").fill("The same waves at night")
    page.get_by_role("button", name="Generate").click()

    card = page.locator("article.card", has_text="The same waves at night")
    expect(card).to_have_attribute("data-status", "completed", timeout=30_000)
    generation = Generation.objects.get(prompt="The same waves at night")
    assert [(r.role, r.asset_id) for r in generation.references.all()] == [("source_video", clip.pk)]


def test_a_gallery_video_dropped_on_the_image_form_is_refused_with_a_reason(page, signed_in, person):
    clip = make_generation(person, prompt="Waves on a breakwater", kind="video").outputs.get()
    signed_in(page).goto("/")

    page.locator(f"#gen-{clip.generation_id} .tile a.expand").drag_to(page.get_by_label("Prompt"))

    expect(page.locator("#length-status")).to_contain_text("switch to Video to start from a clip")
    expect(
        page.locator('#create input[name="video_asset"], #create input[name="reference_assets"]')
    ).to_have_count(0)
