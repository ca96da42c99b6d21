"""Browsing a full gallery: endless scrolling, the lightbox, favourites, bulk actions, phone and keyboard.

The generations are made straight in the database (no xAI needed), each a
minute apart so the gallery's order is known: `gallery()` returns them newest
first, as the page shows them.
"""

from __future__ import annotations

import colorsys
import re
import zipfile
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from playwright.sync_api import expect

from grokstudio.studio import selectors, services
from grokstudio.studio.media.images import check_result
from grokstudio.studio.models import Asset, Generation, Status
from tests.browser.seeing import focus_ring_pixels
from tests.factories import make_image

pytestmark = pytest.mark.browser

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
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
def small_pages(monkeypatch):
    # The live server runs in a thread of this process, so it sees the patch.
    monkeypatch.setattr(selectors, "GALLERY_PAGE_SIZE", 6)


def make_generation(
    user, prompt: str, minute: int, *, status: str = Status.COMPLETED, **fields
) -> Generation:
    generation = Generation.objects.create(
        user=user, prompt=prompt, model="grok-imagine-image", status=status,
        params={"n": 1, "aspect_ratio": "1:1", "resolution": "1k"},
        created_at=START + timedelta(minutes=minute), **fields,
    )  # fmt: skip
    if status == Status.COMPLETED:
        red, green, blue = colorsys.hsv_to_rgb((minute * 0.13) % 1, 0.6, 0.9)
        image = make_image(size=(160, 160), color=(int(red * 255), int(green * 255), int(blue * 255)))
        services.store_image(
            user=user, role=Asset.Role.OUTPUT, image=check_result(image), generation=generation
        )
    return generation


def gallery(user, count: int) -> list[Generation]:
    """`count` completed generations, returned newest first as the gallery shows them."""
    made = [make_generation(user, f"Study number {i} of a quiet harbour", i) for i in range(count)]
    return made[::-1]


def card_ids(page) -> list[str]:
    return page.locator("article.card").evaluate_all("cards => cards.map(card => card.id)")


def card(page, generation: Generation):
    return page.locator(f"#gen-{generation.pk}")


def output(generation: Generation) -> Asset:
    return generation.outputs.get()


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def settled(page) -> None:
    """Wait until the lightbox shows its item and htmx has wired up its links, as a person's
    next key press always would (see test_holding_an_arrow_key_stays_in_the_lightbox)."""
    expect(page.locator("#lightbox")).to_be_visible()
    expect(page.locator("#lightbox-body")).not_to_have_class(re.compile("htmx-settling"))


# --- Endless scrolling ---------------------------------------------------------


def test_scrolling_to_the_bottom_loads_older_cards_until_each_is_shown_once(
    page, person, sign_in, small_pages
):
    made = gallery(person, 20)
    sign_in(page, person)
    page.goto("/")
    cards = page.locator("article.card")
    expect(cards).to_have_count(6)
    page.evaluate("window.__noReload = true")

    for shown in (12, 18, 20):
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        expect(cards).to_have_count(shown)

    ids = card_ids(page)
    assert len(set(ids)) == len(ids) == 20
    assert ids == [f"gen-{g.pk}" for g in made]
    expect(page.locator("a.older")).to_have_count(0)
    assert page.evaluate("window.__noReload") is True
    assert urlsplit(page.url).path == "/" and not urlsplit(page.url).query


def test_without_javascript_the_older_link_opens_the_next_page(new_page, person, sign_in, small_pages):
    made = gallery(person, 20)
    page = new_page(java_script_enabled=False)
    sign_in(page, person)
    page.goto("/")

    seen: list[str] = card_ids(page)
    for _ in range(3):
        page.get_by_role("link", name="Older").click()
        assert "cursor" in query(page)
        seen += card_ids(page)

    assert seen == [f"gen-{g.pk}" for g in made]
    expect(page.locator("article.card")).to_have_count(2)
    expect(page.get_by_role("link", name="Older")).to_have_count(0)


def test_endless_scrolling_keeps_the_filters(page, person, sign_in, small_pages):
    made = gallery(person, 20)
    harbour_at_dusk = made[::2]
    for generation in harbour_at_dusk:
        generation.prompt += " at dusk"
        generation.save(update_fields=["prompt"])
    sign_in(page, person)
    page.goto("/?q=dusk")
    cards = page.locator("article.card")
    expect(cards).to_have_count(6)

    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    expect(cards).to_have_count(10)

    assert card_ids(page) == [f"gen-{g.pk}" for g in harbour_at_dusk]
    expect(page.locator("a.older")).to_have_count(0)


# --- The lightbox --------------------------------------------------------------


def test_lightbox_opens_moves_with_the_arrow_keys_and_closes_with_esc(page, live_server, person, sign_in):
    made = gallery(person, 6)
    starred = [made[0], made[2], made[3], made[5]]
    Generation.objects.filter(pk__in=[g.pk for g in starred]).update(favorite=True)
    sign_in(page, person)
    page.goto("/?fav=1")
    expect(page.locator("article.card")).to_have_count(4)
    lightbox = page.locator("#lightbox")
    viewed = lightbox.locator("figure.full img")

    def shows(generation: Generation) -> None:
        asset = output(generation)
        expect(page).to_have_url(f"{live_server.url}/a/{asset.pk}/?fav=1")
        expect(viewed).to_have_attribute("src", f"/a/{asset.pk}/file")
        expect(lightbox).to_contain_text(generation.prompt)
        settled(page)

    page.locator(".tile a.open").first.click()
    expect(lightbox).to_be_visible()
    shows(starred[0])

    # Next and previous follow the gallery as filtered: the unstarred ones are passed over.
    for generation in starred[1:]:
        page.keyboard.press("ArrowRight")
        shows(generation)
    page.keyboard.press("ArrowRight")  # the last one: nothing further
    shows(starred[-1])
    page.keyboard.press("ArrowLeft")
    shows(starred[-2])

    page.keyboard.press("Escape")
    expect(lightbox).to_be_hidden()
    expect(page).to_have_url(f"{live_server.url}/?fav=1")
    expect(page.locator("article.card")).to_have_count(4)


def test_lightbox_arrows_keep_to_a_search(page, live_server, person, sign_in):
    made = gallery(person, 4)
    made[1].prompt = "A lighthouse in fog"
    made[1].save(update_fields=["prompt"])
    sign_in(page, person)
    page.goto("/?q=harbour")

    page.locator(".tile a.open").last.click()
    expect(page).to_have_url(f"{live_server.url}/a/{output(made[3]).pk}/?q=harbour")
    settled(page)
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(f"{live_server.url}/a/{output(made[2]).pk}/?q=harbour")
    settled(page)
    page.keyboard.press("ArrowLeft")
    # The lighthouse does not match the search: the harbour before it does.
    expect(page).to_have_url(f"{live_server.url}/a/{output(made[0]).pk}/?q=harbour")

    page.keyboard.press("Escape")
    expect(page).to_have_url(f"{live_server.url}/?q=harbour")
    expect(page.get_by_role("searchbox")).to_have_value("harbour")


def test_back_closes_the_lightbox_wherever_the_arrows_went(page, live_server, person, sign_in):
    """Moving with the arrows replaces the item's URL; Back leaves the viewer for the gallery."""
    made = gallery(person, 3)
    sign_in(page, person)
    page.goto("/")
    page.evaluate("window.__noReload = true")
    lightbox = page.locator("#lightbox")
    page.locator(".tile a.open").first.click()
    settled(page)
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(f"{live_server.url}/a/{output(made[1]).pk}/")
    settled(page)

    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(lightbox).to_be_hidden()
    expect(page.locator("article.card")).to_have_count(3)
    assert page.evaluate("window.__noReload") is True

    # Opened again, it is the modal viewer once more: Esc closes it.
    page.locator(".tile a.open").first.click()
    expect(lightbox).to_be_visible()
    assert lightbox.evaluate("dialog => dialog.matches(':modal')") is True
    page.keyboard.press("Escape")
    expect(lightbox).to_be_hidden()
    expect(page).to_have_url(f"{live_server.url}/")


def test_holding_an_arrow_key_stays_in_the_lightbox(page, person, sign_in):
    gallery(person, 12)
    sign_in(page, person)
    page.goto("/")
    page.locator(".tile a.open").first.click()
    settled(page)

    for _ in range(10):  # a held key repeats about thirty times a second
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(33)

    expect(page.locator("#lightbox")).to_be_visible()
    expect(page.locator("article.card")).to_have_count(12)
    assert re.fullmatch(r"/a/\d+/", urlsplit(page.url).path)


def test_an_item_has_a_full_page_of_its_own(page, live_server, person, sign_in):
    made = gallery(person, 3)
    asset = output(made[1])
    sign_in(page, person)

    page.goto(f"/a/{asset.pk}/")

    expect(page.locator("main > .viewer figure.full img")).to_have_attribute("src", f"/a/{asset.pk}/file")
    expect(page.locator("main")).to_contain_text(made[1].prompt)
    expect(page.get_by_role("link", name="Download")).to_have_attribute("href", f"/a/{asset.pk}/download")
    expect(page.locator("dialog")).to_have_count(0)
    page.locator("a[rel=next]").click()
    expect(page).to_have_url(f"{live_server.url}/a/{output(made[2]).pk}/")
    expect(page.locator("main > .viewer")).to_contain_text(made[2].prompt)
    page.get_by_role("link", name="✕ Close").click()
    expect(page).to_have_url(f"{live_server.url}/")


# --- Favourites ----------------------------------------------------------------


def test_the_star_marks_a_favourite_and_the_favourites_filter_shows_only_those(page, person, sign_in):
    made = gallery(person, 4)
    sign_in(page, person)
    page.goto("/")
    page.evaluate("window.__noReload = true")

    for generation in (made[1], made[3]):
        star = card(page, generation).get_by_role("button", name="Favourite")
        expect(star).to_have_attribute("aria-pressed", "false")
        star.click()
        expect(card(page, generation).get_by_role("button", name="Favourite")).to_have_attribute(
            "aria-pressed", "true"
        )
    assert page.evaluate("window.__noReload") is True
    starred = Generation.objects.filter(favorite=True).values_list("pk", flat=True)
    assert set(starred) == {made[1].pk, made[3].pk}

    page.get_by_label("Favourites").check()

    expect(page.locator("article.card")).to_have_count(2)
    assert card_ids(page) == [f"gen-{made[1].pk}", f"gen-{made[3].pk}"]
    assert page.evaluate("window.__noReload") is True
    # The address is the bookmark: the same spelling as the gallery's own links, `fav=1`.
    expect(page).to_have_url(re.compile(r"[?&]fav="))
    assert query(page)["fav"] == ["1"]


# --- Bulk actions --------------------------------------------------------------


def pick(page, *generations: Generation) -> None:
    for generation in generations:
        card(page, generation).hover()
        card(page, generation).locator("input.pick").check()


def apply(page, action: str) -> None:
    page.locator("#bulk-action").select_option(label=action)
    page.locator("#bulk").get_by_role("button", name="Apply").click()


def test_bulk_zip_holds_the_chosen_images_and_names_what_it_skipped(page, person, sign_in):
    made = gallery(person, 3)
    failed = make_generation(person, "A storm over the pier", 10, status=Status.FAILED, message="Refused.")
    sign_in(page, person)
    page.goto("/")

    pick(page, made[0], made[2], failed)
    expect(page.locator("#bulk .count")).to_have_text("3 selected")
    with page.expect_download() as download_info:
        apply(page, "Download as ZIP")
    download = download_info.value

    assert re.fullmatch(r"grok-studio-\d{8}-\d{6}\.zip", download.suggested_filename)
    with zipfile.ZipFile(download.path()) as archive:
        wanted = {output(g).download_name(): output(g) for g in (made[0], made[2])}
        assert set(archive.namelist()) == {*wanted, "SKIPPED.txt"}
        for name, asset in wanted.items():
            with asset.file.open("rb") as stored:
                assert archive.read(name) == stored.read()
        skipped = archive.read("SKIPPED.txt").decode()
    assert f"#{failed.pk}" in skipped and "A storm over the pier" in skipped
    assert output(made[1]).download_name() not in skipped
    expect(page.locator("article.card")).to_have_count(4)


def test_bulk_delete_asks_first_then_removes_the_cards_rows_and_files(page, person, sign_in):
    made = gallery(person, 4)
    doomed, kept = [made[1], made[2]], [made[0], made[3]]
    files = [name for g in doomed for name in (output(g).file.name, output(g).thumbnail.name)]
    assert all(default_storage.exists(name) for name in files)
    sign_in(page, person)
    page.goto("/")
    questions: list[str] = []

    def accept(dialog) -> None:
        questions.append(dialog.message)
        dialog.accept()

    pick(page, *doomed)
    page.once("dialog", accept)
    apply(page, "Delete")

    expect(page.locator(".messages")).to_contain_text("Deleted 2 items")
    assert questions == ["Delete 2 items and their files? This cannot be undone."]
    for generation in doomed:
        expect(card(page, generation)).to_have_count(0)
    for generation in kept:
        expect(card(page, generation)).to_be_visible()
    assert not Generation.objects.filter(pk__in=[g.pk for g in doomed]).exists()
    assert not Asset.objects.filter(generation_id__in=[g.pk for g in doomed]).exists()
    assert not any(default_storage.exists(name) for name in files)
    assert Asset.objects.filter(generation__in=kept).count() == 2


def test_bulk_delete_dismissed_deletes_nothing(page, person, sign_in):
    made = gallery(person, 3)
    sign_in(page, person)
    page.goto("/")
    page.evaluate("window.__noReload = true")
    posts: list[str] = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))

    pick(page, made[0], made[1])
    page.once("dialog", lambda dialog: dialog.dismiss())
    apply(page, "Delete")

    expect(page.locator("input.pick:checked")).to_have_count(2)
    assert page.evaluate("fetch('/').then(r => r.status)") == 200  # a round trip after the dismissal
    assert posts == []
    assert page.evaluate("window.__noReload") is True
    assert Generation.objects.count() == 3
    assert all(default_storage.exists(output(g).file.name) for g in made)


def test_select_shows_the_bar_whose_select_all_shown_ticks_every_card(page, person, sign_in):
    gallery(person, 5)
    sign_in(page, person)
    page.goto("/")
    bar = page.locator("#bulk")
    expect(bar).to_be_hidden()  # out of the cards' way until it is wanted

    page.get_by_role("button", name="Select", exact=True).click()
    expect(bar).to_be_visible()
    expect(page.get_by_role("button", name="Select all shown")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("input.pick:checked")).to_have_count(5)
    expect(page.locator("#bulk .count")).to_have_text("5 selected")
    bar.get_by_role("button", name="Clear").click()
    expect(page.locator("input.pick:checked")).to_have_count(0)
    expect(bar).to_be_hidden()
    expect(page.get_by_role("button", name="Select", exact=True)).to_be_focused()


def test_ticking_a_card_by_keyboard_brings_the_bar(page, person, sign_in):
    made = gallery(person, 2)
    sign_in(page, person)
    page.goto("/")

    card(page, made[0]).locator("input.pick").focus()
    page.keyboard.press("Space")

    expect(page.locator("#bulk")).to_be_visible()
    expect(page.locator("#bulk .count")).to_have_text("1 selected")


def test_the_card_menu_deletes_one_card_after_asking(page, person, sign_in):
    made = gallery(person, 3)
    sign_in(page, person)
    page.goto("/")
    page.evaluate("window.__noReload = true")

    card(page, made[1]).get_by_label("More actions").click()
    page.once("dialog", lambda dialog: dialog.accept())
    card(page, made[1]).get_by_role("button", name="Delete").click()

    expect(card(page, made[1])).to_have_count(0)
    expect(page.locator("article.card")).to_have_count(2)
    assert page.evaluate("window.__noReload") is True
    assert not Generation.objects.filter(pk=made[1].pk).exists()


# --- A phone in dark mode ------------------------------------------------------


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def pictures_in_view_loaded(page) -> None:
    """Thumbnails load lazily: wait for those on screen, so a screenshot shows what a person would."""
    page.wait_for_function("""() => [...document.querySelectorAll(".tile img")]
        .filter(img => { const r = img.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; })
        .every(img => img.complete && img.naturalWidth > 0)""")


def inside_the_screen(locator) -> None:
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, box


def test_on_a_phone_in_dark_mode_the_gallery_fits_and_works(
    new_page, person, sign_in, screenshot, small_pages
):
    made = gallery(person, 8)
    make_generation(person, "A storm over the pier, refused by moderation", 20, status=Status.FAILED,
                    message="The prompt was refused by moderation.", error_code="moderation")  # fmt: skip
    page = new_page(**PHONE)
    sign_in(page, person)
    page.goto("/")
    expect(page.locator("article.card")).to_have_count(6)

    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(13, 13, 15)"
    no_sideways_scroll(page)
    # On a phone the filters are behind one button.
    page.locator("summary", has_text="Filters").tap()
    for control in ("#id_q", "#id_kind", "#id_sort", "#id_fav"):
        inside_the_screen(page.locator(control))
    page.locator("summary", has_text="Filters").tap()  # closed again: the panel lies over the cards
    # No hover on a touch screen: the checkboxes are always there to tap.
    assert page.locator("input.pick").first.evaluate("box => getComputedStyle(box).opacity") == "1"

    page.locator("input.pick").nth(1).tap()
    expect(page.locator("#bulk .count")).to_have_text("1 selected")
    for control in ("#bulk-action", "[data-bulk-submit]"):  # the bar, once something is ticked
        inside_the_screen(page.locator(control))
    pictures_in_view_loaded(page)
    screenshot("phone-dark-gallery", of=page, full_page=False)

    page.locator("summary", has_text="Filters").tap()
    page.locator("#id_kind").select_option(label="Images")
    expect(page).to_have_url(re.compile(r"kind=image"))
    page.locator("summary", has_text="Filters").tap()  # closed, as it lies over the first cards
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    expect(page.locator("article.card")).to_have_count(9)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    no_sideways_scroll(page)
    pictures_in_view_loaded(page)
    screenshot("phone-dark-gallery-scrolled", of=page, full_page=False)

    page.locator(".tile a.open").first.tap()
    lightbox = page.locator("#lightbox")
    expect(lightbox).to_be_visible()
    expect(lightbox.locator("figure.full img")).to_be_visible()
    no_sideways_scroll(page)
    for control in ("a[rel=prev], [aria-disabled]", "a[rel=next]", "a.close", "a[download]"):
        inside_the_screen(lightbox.locator(control).first)
    screenshot("phone-dark-lightbox", of=page, full_page=False)
    lightbox.get_by_role("link", name="✕ Close").tap()
    expect(lightbox).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/\?.*kind=image"))
    expect(page.locator("article.card")).to_have_count(len(made) + 1)


# --- Keyboard ------------------------------------------------------------------


def test_tab_reaches_a_cards_checkbox_star_and_image_with_a_visible_focus_ring(
    page, person, sign_in, screenshot
):
    made = gallery(person, 2)
    sign_in(page, person)
    page.goto("/")
    first = card(page, made[0])

    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('article.card input.pick')"):
            break
    expect(page.locator(":focus")).to_have_attribute("value", str(made[0].pk))

    stops = {"checkbox": first.locator("input.pick"), "star": first.get_by_role("button", name="Favourite"),
             "image": first.locator(".tile a.open")}  # fmt: skip
    for name, stop in stops.items():
        expect(stop).to_be_focused()
        assert stop.evaluate("el => getComputedStyle(el).opacity") == "1"
        assert stop.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
        screenshot(f"keyboard-focus-{name}", full_page=False)
        assert focus_ring_pixels(page, stop) > 20, f"no focus ring to be seen on the {name}"
        page.keyboard.press("Tab")


def test_space_ticks_and_enter_stars_and_focus_stays_on_the_star(page, person, sign_in):
    made = gallery(person, 2)
    sign_in(page, person)
    page.goto("/")
    first = card(page, made[0])

    first.locator("input.pick").focus()
    page.keyboard.press("Space")
    expect(page.locator("#bulk .count")).to_have_text("1 selected")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    star = first.get_by_role("button", name="Favourite")
    expect(star).to_have_attribute("aria-pressed", "true")
    # The card is redrawn around the star; a keyboard user must not be sent back to the top.
    expect(star).to_be_focused()


def test_enter_opens_the_lightbox_and_esc_returns_focus_to_the_image(page, person, sign_in):
    made = gallery(person, 2)
    sign_in(page, person)
    page.goto("/")
    image = card(page, made[0]).locator(".tile a.open")

    image.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#lightbox")).to_be_visible()
    page.keyboard.press("Escape")

    expect(page.locator("#lightbox")).to_be_hidden()
    expect(image).to_be_focused()
