"""Every page as a person meets it: it loads and keeps running without a browser error.

The account holds what the pages show: images, a finished video, a video in flight
(the gallery polls), a failed card, a collection and an API token. The browser
fixtures fail a test on any console error or failed answer it did not expect.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from grokstudio.api.models import ApiToken
from grokstudio.studio.models import Collection, Generation
from tests.factories import make_generation

pytestmark = pytest.mark.browser

VIDEO_MODES = ("text", "image", "reference", "video", "extend")


@dataclass
class Account:
    user: object
    image: Generation
    video: Generation


@pytest.fixture
def account(transactional_db) -> Account:
    user = get_user_model().objects.create_user("nadia", password="a-long-test-password")
    image = make_generation(user, prompt="A harbour at dawn, four ways", outputs=4)
    video = make_generation(user, prompt="Waves on a breakwater", kind="video")
    make_generation(user, prompt="A storm over the pier", status="failed", message="Refused.",
                    error_code="moderated")  # fmt: skip
    make_generation(user, prompt="A lighthouse turning", kind="video", status="processing", progress=40)
    Collection.objects.create(user=user, name="Harbours").generations.add(image)
    ApiToken.issue(user, "nightly batch")
    return Account(user, image, video)


@pytest.fixture
def admin_user(transactional_db):
    return get_user_model().objects.create_superuser("root", password="a-long-test-password")


def open_lightbox(page) -> None:
    page.locator(".tile a.open").first.click()
    expect(page.locator("#lightbox figure.full img")).to_be_visible()


def choose_mode(mode: str) -> Callable:
    def choose(page) -> None:
        page.get_by_label("Mode", exact=True).select_option(mode)

    return choose


def signed_in_pages(account: Account) -> list[tuple[str, str, Callable | None]]:
    """(name, address, what the person does there) for each page of a signed-in person."""
    image_asset = account.image.outputs.first()
    video_asset = account.video.outputs.get()
    pages = [
        ("gallery", "/", None),
        ("lightbox", "/", open_lightbox),
        ("item", f"/a/{image_asset.pk}/", None),
        ("video-item", f"/a/{video_asset.pk}/", None),
        ("generation", f"/g/{account.image.pk}/", None),
        ("collections", "/collections/", None),
        ("usage", "/usage/", None),
        ("api-tokens", "/accounts/api-tokens/", None),
        ("password", "/accounts/password/change/", None),
        ("e-mail", "/accounts/email/", None),
        ("two-factor", "/accounts/2fa/", None),
        ("authenticator-app", "/accounts/2fa/totp/activate/", None),
        ("animate", f"/?kind=video&mode=image&image_asset={image_asset.pk}", None),
        ("extend", f"/?kind=video&mode=extend&video_asset={video_asset.pk}", None),
        ("use-as-reference", f"/?reference_asset={image_asset.pk}", None),
    ]
    pages += [(f"video-form-{mode}", "/?kind=video", choose_mode(mode)) for mode in VIDEO_MODES]
    return pages


ANONYMOUS_PAGES = [
    ("sign-in", "/accounts/login/"),
    ("sign-up", "/accounts/signup/"),
    ("password-reset", "/accounts/password/reset/"),
]


def test_every_page_runs_for_20_seconds_without_a_browser_error(
    new_page, account, admin_user, sign_in, settings
):
    settings.STUDIO_ALLOW_SIGNUP = True
    settings.STUDIO_POLL_INTERVAL_S = 1
    settings.STUDIO_IDLE_POLL_INTERVAL_S = 2
    # Every page stays open side by side, so that their timers and polls run together.
    person = new_page()
    sign_in(person, account.user)
    tabs = [person]
    for _name, address, act in signed_in_pages(account):
        tab = person.context.new_page()
        tab.goto(address)
        if act:
            act(tab)
        tabs.append(tab)
    stranger = new_page()
    for _name, address in ANONYMOUS_PAGES:
        tab = stranger.context.new_page()
        tab.goto(address)
        tabs.append(tab)
    admin = new_page()
    sign_in(admin, admin_user)
    admin.goto("/admin/workers/")
    expect(admin.get_by_text("worker clusters reporting")).to_be_visible()

    polls: list[str] = []
    person.context.on("request", lambda request: "/poll/" in request.url and polls.append(request.url))
    person.wait_for_timeout(20_000)

    assert polls, "the galleries kept asking for news"
    for tab in tabs:
        assert tab.evaluate("document.readyState") == "complete"


def hide(page, hidden: bool) -> None:
    """What the browser does when the person switches tabs, as the page can observe it."""
    page.evaluate(
        """hidden => {
            Object.defineProperty(document, "visibilityState", {value: hidden ? "hidden" : "visible",
                                                                configurable: true});
            Object.defineProperty(document, "hidden", {value: hidden, configurable: true});
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        hidden,
    )


def test_the_idle_check_pauses_while_the_tab_is_hidden_and_runs_on_return(page, sign_in, settings):
    settings.STUDIO_IDLE_POLL_INTERVAL_S = 1
    person = get_user_model().objects.create_user("olga", password="a-long-test-password")
    make_generation(person, prompt="A finished picture")
    polls: list[float] = []
    page.on("request", lambda request: "/poll/" in request.url and polls.append(time.monotonic()))
    sign_in(page, person)
    page.goto("/")
    expect(page.locator("#poller")).to_have_attribute("data-polling", "idle")

    page.wait_for_timeout(2500)
    assert 2 <= len(polls) <= 3, "visible: one check a second"

    hide(page, True)
    hidden_at = len(polls)
    page.wait_for_timeout(3500)
    assert len(polls) == hidden_at, "hidden: no checks at all"

    with page.expect_request("**/poll/**"):
        hide(page, False)  # back: one check at once, then on the interval again
    page.wait_for_timeout(2200)
    assert hidden_at + 3 <= len(polls) <= hidden_at + 4


# axe-core, for the tests only: https://github.com/dequelabs/axe-core (MPL 2.0, header kept).
AXE = (Path(__file__).parent / "vendor" / "axe-4.14.1.min.js").read_text()
SERIOUS = """async () => {
    const {violations} = await axe.run(document, {resultTypes: ["violations"]});
    return violations.filter(v => ["serious", "critical"].includes(v.impact))
        .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")}`);
}"""


def serious_violations(page) -> list[str]:
    page.evaluate(AXE)  # through the debugger, as a page's own policy would refuse an added script
    return page.evaluate(SERIOUS)


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_no_page_has_a_serious_accessibility_fault(
    new_page, account, admin_user, sign_in, settings, color_scheme
):
    settings.STUDIO_ALLOW_SIGNUP = True
    found: dict[str, list[str]] = {}
    page = new_page(color_scheme=color_scheme)
    for name, address in ANONYMOUS_PAGES:
        page.goto(address)
        found[name] = serious_violations(page)
    sign_in(page, account.user)
    for name, address, act in signed_in_pages(account):
        page.goto(address)
        if act:
            act(page)
        found[name] = serious_violations(page)
    admin = new_page(color_scheme=color_scheme)
    sign_in(admin, admin_user)
    admin.goto("/admin/workers/")
    found["admin-workers"] = serious_violations(admin)

    assert {name: faults for name, faults in found.items() if faults} == {}


def test_ctrl_enter_in_the_prompt_generates(page, account, sign_in):
    sign_in(page, account.user)
    page.goto("/")
    page.evaluate("window.__noReload = true")
    page.get_by_label("Prompt").fill("A kite over the dunes")

    page.get_by_label("Prompt").press("Control+Enter")

    expect(page.locator("article.card").first).to_contain_text("A kite over the dunes")
    assert page.evaluate("window.__noReload") is True
    assert Generation.objects.filter(prompt="A kite over the dunes").count() == 1


# What starts hidden is looked at once it is shown: axe sees only what is on the page.
DROP_PICTURE = """() => {
    const canvas = Object.assign(document.createElement("canvas"), {width: 8, height: 8});
    return new Promise(done => canvas.toBlob(blob => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([blob], "red.png", {type: "image/png"}));
        const target = document.querySelector("#id_prompt");
        for (const type of ["dragenter", "dragover", "drop"]) {
            const init = {dataTransfer: transfer, bubbles: true, cancelable: true};
            target.dispatchEvent(new DragEvent(type, init));
        }
        done();
    }, "image/png"));
}"""


def open_more(page) -> None:
    """Open the create form's disclosure, which remembers how the person left it."""
    if not page.locator("details.advanced").evaluate("details => details.open"):
        page.locator("details.advanced > summary").click()


def open_references(page) -> None:
    open_more(page)
    expect(page.get_by_label("Reference images")).to_be_visible()


def open_save_preset(page) -> None:
    page.get_by_text("Save as preset").click()
    expect(page.get_by_label("Name")).to_be_visible()


def open_card_menu(page) -> None:
    page.locator("summary[aria-label='More actions']").first.click()
    expect(
        page.locator("details.menu[open] .menu-items").get_by_role("button", name="Reroll")
    ).to_be_visible()


def attach_pictures(page) -> None:
    page.evaluate(DROP_PICTURE)
    expect(page.get_by_role("list", name="Attached: Reference images").get_by_role("listitem")).to_have_count(
        2
    )


def show_selection(page) -> None:
    page.get_by_role("button", name="Select", exact=True).click()
    expect(page.locator("#bulk")).to_be_visible()


def show_video_1_5(mode: str) -> Callable:
    def show(page) -> None:
        page.get_by_label("Model").select_option("grok-imagine-video-1.5")
        page.get_by_label("Mode", exact=True).select_option(mode)
        open_more(page)
        expect(page.get_by_text("Keyframes")).to_be_visible()
        expect(page.get_by_text("Voices", exact=True)).to_be_visible()

    return show


def open_phone_filters(page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("summary", has_text="Filters").click()
    expect(page.get_by_label("Kind")).to_be_visible()


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_nothing_shown_on_demand_has_a_serious_accessibility_fault(new_page, account, sign_in, color_scheme):
    image_asset = account.image.outputs.first()
    states = [
        ("references-open", "/", open_references),
        ("save-preset-open", "/", open_save_preset),
        ("card-menu-open", "/", open_card_menu),
        ("attachments", f"/?reference_asset={image_asset.pk}", attach_pictures),
        ("selection-bar", "/", show_selection),
        ("video-1.5-text", "/?kind=video", show_video_1_5("text")),
        ("video-1.5-image", "/?kind=video", show_video_1_5("image")),
        ("phone-filters", "/", open_phone_filters),
    ]
    found: dict[str, list[str]] = {}
    page = new_page(color_scheme=color_scheme)
    sign_in(page, account.user)
    for name, address, show in states:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(address)
        show(page)
        found[name] = serious_violations(page)

    assert {name: faults for name, faults in found.items() if faults} == {}
