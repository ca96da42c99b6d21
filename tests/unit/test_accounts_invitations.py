"""Closed by default: in production sign-up is off unless asked for; staff invite people by a
single-use link that expires; sign-up may be limited to e-mail domains."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from grokstudio.accounts.models import Invitation
from tests.unit.test_accounts_lockout_and_reset import accounts_settings

PASSWORD = "a-long-test-password"
SECRET = "a-production-secret-key-that-is-long-and-random-0123456789abcdef"
PRODUCTION = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": SECRET}


@pytest.fixture
def staff_client(client, db):
    admin = get_user_model().objects.create_user("admin", password=PASSWORD, is_staff=True)
    client.force_login(admin)
    return client


@pytest.fixture
def closed(settings):
    settings.STUDIO_ALLOW_SIGNUP = False


def sign_up(client, username: str = "invitee", **extra):
    return client.post(
        "/accounts/signup/", {"username": username, "password1": PASSWORD, "password2": PASSWORD, **extra}
    )


def invitation_link(staff_client, note: str = "Ada") -> str:
    response = staff_client.post("/accounts/invite/", {"note": note})
    return re.search(r'<code id="invitation-link">http://testserver([^<]+)</code>', response.text).group(1)


# --- closed by default ----------------------------------------------------------------------------


def test_in_production_sign_up_is_closed_unless_asked_for():
    assert accounts_settings(**PRODUCTION)["signup"] is False
    assert accounts_settings(**PRODUCTION, STUDIO_ALLOW_SIGNUP="true")["signup"] is True


def test_on_a_laptop_sign_up_is_open():
    assert accounts_settings()["signup"] is True


def test_invitations_last_a_week_unless_set():
    assert accounts_settings()["invite_days"] == 7
    assert accounts_settings(STUDIO_INVITE_DAYS="2")["invite_days"] == 2


# --- the invite page --------------------------------------------------------------------------------


def test_the_invite_page_is_for_staff_only(owner_client):
    assert owner_client.get("/accounts/invite/").status_code == 302  # to the admin's sign-in
    assert owner_client.post("/accounts/invite/", {"note": "x"}).status_code == 302
    assert not Invitation.objects.exists()


def test_staff_reach_the_invite_page_from_the_user_menu_and_the_admin(staff_client):
    assert 'href="/accounts/invite/"' in staff_client.get("/").text
    assert 'href="/accounts/invite/"' in staff_client.get("/admin/").text


def test_others_have_no_invite_link_in_their_menu(owner_client):
    assert "/accounts/invite/" not in owner_client.get("/").text


def test_the_invite_page_shows_a_new_link_once_and_keeps_no_copy(staff_client):
    link = invitation_link(staff_client, note="Ada")

    secret = link.rstrip("/").rsplit("/", 1)[1]
    invitation = Invitation.objects.get()
    assert invitation.note == "Ada"
    assert secret not in invitation.digest
    again = staff_client.get("/accounts/invite/")
    assert secret not in again.text
    assert "Ada" in again.text and "open until" in again.text


def test_an_invitation_expires_after_the_set_days(staff_client, settings):
    settings.STUDIO_INVITE_DAYS = 3
    invitation_link(staff_client)

    expires_in = Invitation.objects.get().expires_at - timezone.now()
    assert timedelta(days=2, hours=23) < expires_in <= timedelta(days=3)


# --- using an invitation ------------------------------------------------------------------------


def test_an_invitation_opens_sign_up_when_closed_and_is_used_up(staff_client, client, closed):
    link = invitation_link(staff_client)
    visitor = type(client)()

    assert visitor.get(link).url == "/accounts/signup/"
    assert 'id="id_username"' in visitor.get("/accounts/signup/").text
    response = sign_up(visitor)

    assert response.status_code == 302
    invitee = get_user_model().objects.get(username="invitee")
    invitation = Invitation.objects.get()
    assert invitation.used_by == invitee and invitation.state == "used"
    assert visitor.get("/").wsgi_request.user == invitee


def test_a_used_invitation_says_so_and_opens_nothing(staff_client, client, closed):
    link = invitation_link(staff_client)
    first = type(client)()
    first.get(link)
    sign_up(first)

    second = type(client)()
    response = second.get(link)

    assert response.status_code == 410
    assert "This invitation has been used" in response.text
    assert "Sign-up is closed" in sign_up(second, "another").text
    assert not get_user_model().objects.filter(username="another").exists()


def test_an_expired_invitation_says_so(staff_client, client, closed):
    link = invitation_link(staff_client)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = type(client)().get(link)

    assert response.status_code == 410
    assert "This invitation has expired" in response.text


def test_an_invitation_that_expires_after_opening_no_longer_opens_sign_up(staff_client, client, closed):
    link = invitation_link(staff_client)
    visitor = type(client)()
    visitor.get(link)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert "Sign-up is closed" in sign_up(visitor).text
    assert not get_user_model().objects.filter(username="invitee").exists()


def test_a_made_up_invitation_link_is_404(client, db):
    response = client.get("/accounts/invitation/not-a-real-one/")

    assert response.status_code == 404
    assert "not an invitation link" in response.text


def test_a_failed_sign_up_keeps_the_invitation(staff_client, client, closed):
    link = invitation_link(staff_client)
    visitor = type(client)()
    visitor.get(link)

    assert sign_up(visitor, password2="something-else-1").status_code == 200
    assert Invitation.objects.get().state == "usable"
    assert sign_up(visitor).status_code == 302


def test_a_claim_lost_to_another_sign_up_undoes_this_one(staff_client, client, closed, monkeypatch):
    link = invitation_link(staff_client)
    visitor = type(client)()
    visitor.get(link)
    invitation = Invitation.objects.get()
    stranger = get_user_model().objects.create_user("quicker")
    from grokstudio.accounts.adapters import AccountAdapter

    is_open = AccountAdapter.is_open_for_signup

    def checked_then_taken(self, request):
        # Between this sign-up's check and its save, someone else uses the link.
        answer = is_open(self, request)
        Invitation.objects.filter(pk=invitation.pk).update(used_at=timezone.now(), used_by=stranger)
        return answer

    monkeypatch.setattr(AccountAdapter, "is_open_for_signup", checked_then_taken)
    response = sign_up(visitor)

    assert response.status_code == 410
    assert not get_user_model().objects.filter(username="invitee").exists()
    invitation.refresh_from_db()
    assert invitation.used_by == stranger


# --- e-mail domains --------------------------------------------------------------------------------


def test_with_domains_an_e_mail_is_required(client, db, settings):
    settings.STUDIO_SIGNUP_DOMAINS = ["example.com", "example.org"]

    response = sign_up(client, "newcomer")

    assert response.status_code == 200
    assert "Use an e-mail address at example.com, example.org" in response.text
    assert not get_user_model().objects.filter(username="newcomer").exists()


def test_with_domains_an_address_elsewhere_is_refused_clearly(client, db, settings):
    settings.STUDIO_SIGNUP_DOMAINS = ["example.com", "example.org"]

    response = sign_up(client, "newcomer", email="someone@elsewhere.net")

    assert 'id="id_email-error"' in response.text
    assert "Use an e-mail address at example.com, example.org" in response.text
    assert not get_user_model().objects.filter(username="newcomer").exists()


def test_with_domains_an_address_in_one_signs_up(client, db, settings):
    settings.STUDIO_SIGNUP_DOMAINS = ["example.com", "example.org"]

    assert sign_up(client, "newcomer", email="New@Example.org").status_code == 302
    assert get_user_model().objects.get(username="newcomer").email == "new@example.org"


def test_domains_are_read_from_the_environment_and_make_the_e_mail_required():
    values = accounts_settings(STUDIO_SIGNUP_DOMAINS="Example.com, @example.org")

    assert values["domains"] == ["example.com", "example.org"]
    assert "email*" in values["fields"]
