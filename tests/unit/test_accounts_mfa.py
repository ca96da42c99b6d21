"""Two-factor authentication with allauth: an authenticator app (TOTP) asked for at sign-in,
passkeys offered, and MFA an administrator can require of everyone before the studio opens."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

PASSWORD = "a-long-test-password"
PERIOD = 30


def code_for(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // PERIOD))


def sign_in(client, login: str = "owner", password: str = PASSWORD):
    return client.post("/accounts/login/", {"login": login, "password": password})


def activate_totp(client) -> str:
    """Set up an authenticator app the way a person does, on the page; returns its secret."""
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200, page
    secret = page.context["form"].secret
    response = client.post("/accounts/2fa/totp/activate/", {"code": code_for(secret)})
    assert response.status_code == 302, response.context["form"].errors
    return secret


@pytest.fixture
def signed_in(client, owner):
    # Signed in through the form, and the password given again: changing MFA asks for that first.
    assert sign_in(client).status_code == 302
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    return client


def test_setting_up_mfa_asks_for_the_password_again_first(client, owner):
    sign_in(client)

    response = client.get("/accounts/2fa/totp/activate/")

    assert response.url.startswith("/accounts/reauthenticate/")
    assert '<label for="id_password">' in client.get(response.url).text


def test_the_user_menu_leads_to_two_factor_authentication(signed_in):
    assert 'href="/accounts/2fa/"' in signed_in.get("/").text
    page = signed_in.get("/accounts/2fa/")
    assert page.status_code == 200
    assert "Authenticator App" in page.text
    assert "Security Keys" in page.text or "Passkeys" in page.text


def test_the_totp_page_shows_a_qr_code_and_a_labelled_code_field(signed_in):
    page = signed_in.get("/accounts/2fa/totp/activate/")

    assert 'class="qr"' in page.text
    assert '<label for="id_code">' in page.text


def test_with_totp_set_up_sign_in_asks_for_a_code_and_accepts_a_right_one(client, signed_in, owner):
    secret = activate_totp(signed_in)
    assert Authenticator.objects.filter(user=owner, type=Authenticator.Type.TOTP).exists()
    signed_in.post("/accounts/logout/")

    first = sign_in(client)
    assert first.url == "/accounts/2fa/authenticate/"
    assert client.get("/").status_code == 302  # not yet in

    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert client.get("/").status_code == 302

    right = client.post("/accounts/2fa/authenticate/", {"code": code_for(secret)})
    assert right.status_code == 302
    assert client.get("/").status_code == 200
    # A code signs in once.
    client.post("/accounts/logout/")
    sign_in(client)
    assert client.post("/accounts/2fa/authenticate/", {"code": code_for(secret)}).status_code == 200


def test_the_sign_in_page_offers_a_passkey(client, db):
    page = client.get("/accounts/login/")

    assert 'id="passkey_login"' in page.text
    assert "Sign in with a passkey" in page.text
    assert "mfa/js/webauthn.js" in page.text


def test_a_person_can_add_a_passkey_from_the_mfa_page(signed_in):
    page = signed_in.get("/accounts/2fa/webauthn/add/?passwordless")

    assert page.status_code == 200
    assert "mfa/js/webauthn.js" in page.text
    assert '<label for="id_name">' in page.text


# --- required for everyone ---------------------------------------------------------------------


@pytest.fixture
def mfa_required(settings):
    settings.STUDIO_REQUIRE_MFA = True


@pytest.mark.parametrize("path", ["/", "/usage/", "/collections/", "/poll/", "/accounts/api-tokens/"])
def test_when_required_a_person_without_mfa_is_sent_to_set_it_up(signed_in, mfa_required, path):
    response = signed_in.get(path)

    assert response.status_code == 302
    assert response.url == "/accounts/2fa/"
    page = signed_in.get(response.url)
    assert "This studio requires two-factor authentication" in page.text


@pytest.mark.parametrize(
    ("path", "target"), [("/?kind=video", "create"), ("/poll/", "poller"), ("/?q=fox", "results")]
)
def test_when_required_a_part_of_a_page_asked_by_htmx_sends_the_whole_page_to_set_it_up(
    signed_in, mfa_required, path, target
):
    response = signed_in.get(path, headers={"HX-Request": "true", "HX-Target": target})

    assert response["HX-Redirect"] == "/accounts/2fa/"
    page = signed_in.get("/accounts/2fa/")
    assert "This studio requires two-factor authentication" in page.text


def test_when_required_a_person_with_totp_uses_the_studio(signed_in, mfa_required):
    activate_totp(signed_in)

    assert signed_in.get("/").status_code == 200


def test_when_required_the_last_authenticator_cannot_be_removed(signed_in, owner, mfa_required):
    activate_totp(signed_in)

    signed_in.post("/accounts/2fa/totp/deactivate/")

    assert Authenticator.objects.filter(user=owner, type=Authenticator.Type.TOTP).exists()


def test_when_not_required_the_studio_opens_without_mfa(signed_in):
    assert signed_in.get("/").status_code == 200


def test_when_required_signed_out_people_still_go_to_sign_in_first(client, db, mfa_required):
    assert client.get("/").url == "/accounts/login/?next=/"


def test_require_mfa_is_read_from_the_environment():
    from tests.unit.test_accounts_lockout_and_reset import accounts_settings

    assert accounts_settings()["mfa"] is False
    assert accounts_settings(STUDIO_REQUIRE_MFA="true")["mfa"] is True


# --- the admin --------------------------------------------------------------------------------


def test_the_admins_own_sign_in_form_leads_to_the_studios(client, owner):
    # Django's admin form would take a password alone: no second factor, no lockout.
    owner.is_staff = True
    owner.save()

    response = client.post("/admin/login/", {"username": "owner", "password": PASSWORD})

    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_when_required_the_admin_asks_staff_for_a_second_factor_too(signed_in, owner, mfa_required):
    owner.is_staff = owner.is_superuser = True
    owner.save()

    for path in ("/admin/", "/admin/workers/", "/accounts/invite/"):
        response = signed_in.get(path)
        assert (response.status_code, response.url) == (302, "/accounts/2fa/"), path

    activate_totp(signed_in)
    assert signed_in.get("/admin/").status_code == 200
