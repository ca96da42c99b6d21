"""Share links, presets and compare, as a person uses them in a browser."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

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
def shots(tmp_path_factory):
    from pathlib import Path

    folder = Path("/tmp/features-shots")
    folder.mkdir(exist_ok=True)
    return folder


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
