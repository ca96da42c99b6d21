"""News reaches the person where they are: messages at once, cards read out as they end,
and work that ends while the tab is hidden counted in its title and, if they asked, notified.

The generations move through the model's own transitions, as the pipeline moves them.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from grokstudio.accounts.models import Budget
from grokstudio.studio import services
from grokstudio.studio.media.clips import check_clip
from grokstudio.studio.models import Asset, Generation
from tests.factories import make_clip, make_generation

pytestmark = pytest.mark.browser

# Wraps the browser's Notification so that a test sees what the page shows and asks.
NOTIFICATION_SPY = """(() => {
    const Real = window.Notification;
    window.__notifications = [];
    window.__permissionAsked = 0;
    class Spy extends Real {
        constructor(title, options = {}) {
            super(title, options);
            window.__notifications.push({title, body: options.body});
        }
        static get permission() { return Real.permission; }
        static requestPermission() {
            window.__permissionAsked += 1;
            return Real.requestPermission();
        }
    }
    window.Notification = Spy;
})()"""


@pytest.fixture
def person(transactional_db):
    return get_user_model().objects.create_user("ines", password="a-long-test-password")


@pytest.fixture
def quick_polls(settings):
    settings.STUDIO_POLL_INTERVAL_S = 0.5


def finish_video(generation: Generation) -> None:
    """What the pipeline does with a video that renders: each step a transition of the model."""
    generation.claim()
    generation.start_processing("request-1")
    generation.start_download(["https://x.test/1.mp4"], None)
    services.store_clip(user=generation.user, role=Asset.Role.OUTPUT, clip=check_clip(make_clip()),
                        generation=generation)  # fmt: skip
    generation.complete()


def set_hidden(page, hidden: bool) -> None:
    page.evaluate(
        """hidden => {
            Object.defineProperty(document, "visibilityState", {value: hidden ? "hidden" : "visible",
                                                                configurable: true});
            Object.defineProperty(document, "hidden", {value: hidden, configurable: true});
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        hidden,
    )


def test_a_reroll_refused_by_the_budget_says_so_at_once(page, person, sign_in):
    generation = make_generation(person, prompt="A fox in the snow")
    Budget.objects.create(user=person, monthly_usd=Decimal("0"))
    sign_in(page, person)
    page.goto("/")
    page.evaluate("window.__noReload = true")

    page.get_by_label("More actions").click()
    page.get_by_role("button", name="Reroll").click()

    expect(page.get_by_role("status").filter(has_text="budget")).to_be_visible()
    expect(page.locator("#messages")).to_have_attribute("aria-live", "polite")
    assert page.evaluate("window.__noReload") is True
    assert Generation.objects.exclude(pk=generation.pk).count() == 0


def test_a_server_error_on_an_htmx_request_says_so_in_the_messages_area(
    page, person, sign_in, browser_problems
):
    generation = make_generation(person, prompt="A fox in the snow")
    browser_problems.expect_status(500, "/favorite")
    browser_problems.expect_console("Response Status Error Code 500")
    page.route("**/favorite", lambda route: route.fulfill(status=500, body="Server Error"))
    sign_in(page, person)
    page.goto("/")

    page.locator(f"#gen-{generation.pk}").get_by_role("button", name="Favourite").click()

    expect(page.locator("#messages")).to_contain_text("could not do that just now (error 500)")


def test_a_lost_connection_on_an_htmx_request_says_so_in_the_messages_area(
    page, person, sign_in, browser_problems
):
    generation = make_generation(person, prompt="A fox in the snow")
    browser_problems.expect_request_failure("/favorite")
    browser_problems.expect_console("htmx:sendError|htmx:afterRequest")  # htmx's own log of the failure
    sign_in(page, person)
    page.goto("/")
    page.route("**/favorite", lambda route: route.abort("internetdisconnected"))

    page.locator(f"#gen-{generation.pk}").get_by_role("button", name="Favourite").click()

    expect(page.locator("#messages")).to_contain_text("could not be reached")


def test_a_card_that_ends_is_read_out_politely(page, person, sign_in, quick_polls):
    failing = make_generation(person, prompt="A storm over the pier", status="pending")
    cancelled = make_generation(person, prompt="A quiet harbour", status="pending")
    sign_in(page, person)
    page.goto("/")
    announcer = page.locator("#announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")

    failing.claim()
    failing.fail("The prompt was refused.", "moderated")
    expect(announcer).to_have_text("Failed: A storm over the pier")

    page.locator(f"#gen-{cancelled.pk}").get_by_role("button", name="Cancel").click()
    expect(announcer).to_have_text("Cancelled: A quiet harbour")


def test_a_card_that_changes_outside_a_filtered_view_is_left_out_quietly(page, person, sign_in, quick_polls):
    image = make_generation(person, prompt="A lighthouse", status="pending")
    video = make_generation(person, prompt="Waves at night", kind="video", status="pending")
    sign_in(page, person)
    page.goto("/?kind=video")  # the image is not on this page
    polls = []
    page.on("response", lambda r: polls.append(r) if "/poll/" in r.url and r.status == 200 else None)

    image.claim()
    image.fail("The prompt was refused.", "moderated")
    page.wait_for_timeout(1500)  # a few polls bring the image's card, and nothing shows it
    video.claim()
    video.fail("The prompt was refused.", "moderated")

    expect(page.locator(f"#gen-{video.pk}")).to_have_attribute("data-status", "failed")
    expect(page.locator(f"#gen-{image.pk}")).to_have_count(0)
    assert any(f'id="gen-{image.pk}"' in r.text() for r in polls)


def test_work_that_ends_in_a_hidden_tab_counts_in_the_title_until_the_person_looks(
    page, person, sign_in, quick_polls
):
    videos = [
        make_generation(person, prompt=f"Waves, take {i}", kind="video", status="pending") for i in (1, 2)
    ]
    sign_in(page, person)
    page.goto("/")
    expect(page).to_have_title("Grok Studio")

    set_hidden(page, True)
    for video in videos:
        finish_video(video)
    expect(page.locator("article.card[data-status=completed]")).to_have_count(2)
    expect(page).to_have_title("(2) Grok Studio")

    set_hidden(page, False)
    expect(page).to_have_title("Grok Studio")


def test_a_notification_names_the_prompt_once_the_person_allowed_it(new_page, person, sign_in, quick_polls):
    video = make_generation(person, prompt="A paper boat drifting", kind="video", status="pending")
    page = new_page()
    page.context.add_init_script(NOTIFICATION_SPY)
    sign_in(page, person)
    page.goto("/")
    offer = page.get_by_role("button", name="Notify me when work finishes")
    expect(offer).to_be_visible()
    assert page.evaluate("window.__permissionAsked") == 0, "never asked unprompted"

    page.context.grant_permissions(["notifications"])  # what the person answers to the browser's question
    offer.click()
    expect(offer).to_be_hidden()
    assert page.evaluate("window.__permissionAsked") == 1

    set_hidden(page, True)
    finish_video(video)
    expect(page).to_have_title("(1) Grok Studio")
    notes = page.evaluate("window.__notifications")
    assert notes == [{"title": "Finished · Grok Studio", "body": "A paper boat drifting"}]


def test_without_the_button_there_is_no_notification_and_no_question(new_page, person, sign_in, quick_polls):
    video = make_generation(person, prompt="A paper boat drifting", kind="video", status="pending")
    page = new_page()
    page.context.add_init_script(NOTIFICATION_SPY)
    sign_in(page, person)
    page.goto("/")

    set_hidden(page, True)
    finish_video(video)
    expect(page).to_have_title("(1) Grok Studio")
    assert page.evaluate("window.__notifications") == []
    assert page.evaluate("window.__permissionAsked") == 0
