"""What a person does with their account in a browser: an invitation from staff to a signed-in
gallery, a sign-in by password, and a passkey added and then used to sign in alone."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

PASSWORD = "correct-horse-battery-staple"


def sign_in_by_password(page, login: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill(login)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_an_invited_person_signs_up_while_sign_up_is_closed(new_page, sign_in, settings, screenshot):
    settings.STUDIO_ALLOW_SIGNUP = False
    admin = get_user_model().objects.create_user("boss", password=PASSWORD, is_staff=True)
    staff = new_page()
    sign_in(staff, admin)
    staff.goto("/")
    staff.get_by_text("boss").click()  # the user menu
    staff.get_by_role("link", name="Invite").click()
    staff.get_by_label("For whom").fill("Ada")
    staff.get_by_role("button", name="Make an invitation link").click()
    link = staff.locator("#invitation-link").inner_text()
    screenshot("invite", of=staff)

    guest = new_page()
    guest.goto(link)
    expect(guest.get_by_role("heading", name="Sign up")).to_be_visible()
    guest.get_by_label("Username").fill("ada")
    guest.get_by_label("Password", exact=True).fill(PASSWORD)
    guest.get_by_label("Confirmation").fill(PASSWORD)
    guest.get_by_role("button", name="Sign up").click()
    expect(guest.get_by_label("Prompt")).to_be_visible()
    assert get_user_model().objects.get(username="ada").invitation.note == "Ada"


@pytest.fixture
def used_link_allowed(browser_problems):
    browser_problems.expect_status(410, "/accounts/invitation/")


def test_a_used_invitation_says_so_in_the_page(new_page, sign_in, settings, used_link_allowed):
    from grokstudio.accounts.models import Invitation

    settings.STUDIO_ALLOW_SIGNUP = False
    invitation, secret = Invitation.issue(None)
    invitation.claim(invitation.pk, get_user_model().objects.create_user("first"))
    page = new_page()

    page.goto(f"/accounts/invitation/{secret}/")

    expect(page.get_by_role("heading", name="This invitation has been used")).to_be_visible()


def test_sign_in_by_password_shows_the_gallery_and_focus_is_visible(page, db):
    get_user_model().objects.create_user("olga", email="olga@example.com", password=PASSWORD)

    page.goto("/accounts/login/")
    page.keyboard.press("Tab")
    page.get_by_label("Username or e-mail").focus()
    outline = page.get_by_label("Username or e-mail").evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none"
    sign_in_by_password(page, "olga@example.com")

    expect(page.get_by_label("Prompt")).to_be_visible()


def test_a_passkey_added_once_signs_in_alone(page, db, screenshot):
    get_user_model().objects.create_user("pat", password=PASSWORD)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
                "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True,
            }
        },
    )  # fmt: skip
    sign_in_by_password(page, "pat")
    expect(page.get_by_label("Prompt")).to_be_visible()

    page.goto("/accounts/2fa/webauthn/add/")
    page.get_by_label("Password").fill(PASSWORD)  # changing MFA asks for the password again
    page.get_by_role("button", name="Confirm").click()
    page.get_by_label("Name").fill("Laptop")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("Security key added.")).to_be_visible()
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    screenshot("passkey-added")

    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()

    expect(page.get_by_label("Prompt")).to_be_visible()
