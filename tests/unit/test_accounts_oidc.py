"""Sign-in with the team's identity provider over OpenID Connect, end to end: a real provider
(oidc-provider-mock) on a local port, the studio on a live server, and the browser's redirects
followed by an HTTP client, with the provider's own sign-in form filled in."""

from __future__ import annotations

import re
import warnings
from urllib.parse import urljoin

import pytest
import requests
from django.contrib.auth import get_user_model

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # authlib's deprecation notices, about its own modules
    import oidc_provider_mock

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def provider():
    ada = oidc_provider_mock.User(
        sub="ada-1815",
        claims={"email": "ada@example.com", "email_verified": True, "preferred_username": "ada"},
    )
    with oidc_provider_mock.run_server_in_thread(user_claims=[ada]) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def sso(settings, provider):
    """The studio configured as STUDIO_OIDC_* would configure it."""
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "sso",
                    "name": "Team Login",
                    "client_id": "grok-studio",
                    "secret": "client-secret",
                    "settings": {"server_url": provider},
                }
            ]
        }
    }
    settings.STUDIO_ALLOW_SIGNUP = False  # the identity provider lets its people in anyway


def form_of(html: str, base: str) -> tuple[str, dict[str, str]]:
    """The first POST form's action and hidden fields, as a browser would send them."""
    form = re.search(r'<form method="post"(?: action="([^"]*)")?[^>]*>(.*?)</form>', html, re.S)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(2)))
    return urljoin(base, form.group(1) or ""), fields


def sign_in_through_the_provider(
    live_server, provider: str, subject: str, browser: requests.Session | None = None
) -> requests.Session:
    browser = browser or requests.Session()
    login = browser.get(f"{live_server.url}/accounts/login/")
    assert "Sign in with Team Login" in login.text
    start = re.search(r'href="(/accounts/oidc/sso/login/[^"]*)"', login.text).group(1).replace("&amp;", "&")
    confirm = browser.get(live_server.url + start)  # a page that posts: no sign-in on a bare GET
    action, fields = form_of(confirm.text, confirm.url)
    authorize = browser.post(action, data=fields)
    assert authorize.url.startswith(provider + "/oauth2/authorize")  # the provider's own page
    done = browser.post(authorize.url, data={"sub": subject})  # its sign-in form, then back
    assert done.url == f"{live_server.url}/", done.text[:2000]
    return browser


def test_a_team_member_signs_in_through_the_identity_provider(live_server, provider, sso):
    browser = sign_in_through_the_provider(live_server, provider, "ada-1815")

    user = get_user_model().objects.get()
    assert (user.username, user.email) == ("ada", "ada@example.com")
    assert not user.has_usable_password()
    gallery = browser.get(f"{live_server.url}/")
    assert ">ada</summary>" in gallery.text


def test_the_same_person_signing_in_again_is_the_same_account(live_server, provider, sso):
    sign_in_through_the_provider(live_server, provider, "ada-1815")
    sign_in_through_the_provider(live_server, provider, "ada-1815")

    assert get_user_model().objects.count() == 1


def test_a_provider_name_taken_by_a_local_account_gets_a_name_of_its_own(live_server, provider, sso):
    get_user_model().objects.create_user("ada", password="a-long-test-password")

    sign_in_through_the_provider(live_server, provider, "ada-1815")

    assert get_user_model().objects.count() == 2
    newcomer = get_user_model().objects.exclude(username="ada").get()
    assert newcomer.email == "ada@example.com"


def test_without_a_configured_provider_the_sign_in_page_offers_none(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}

    assert "Or with your team's account" not in client.get("/accounts/login/").text


def test_the_provider_is_configured_from_the_environment():
    from tests.unit.test_accounts_lockout_and_reset import accounts_settings

    values = accounts_settings(
        STUDIO_OIDC_SERVER_URL="https://id.example.com/realms/team",
        STUDIO_OIDC_CLIENT_ID="studio",
        STUDIO_OIDC_CLIENT_SECRET="s3cret",
        STUDIO_OIDC_NAME="Example SSO",
    )

    (app,) = values["oidc"]["openid_connect"]["APPS"]
    assert app == {
        "provider_id": "sso",
        "name": "Example SSO",
        "client_id": "studio",
        "secret": "s3cret",
        "settings": {"server_url": "https://id.example.com/realms/team"},
    }
    assert accounts_settings()["oidc"] == {"openid_connect": {"APPS": []}}


def test_with_a_domain_limit_only_the_providers_people_at_those_domains_get_an_account(
    live_server, provider, sso, settings
):
    settings.STUDIO_SIGNUP_DOMAINS = ["elsewhere.org"]  # ada's verified address is at example.com
    browser = requests.Session()
    with pytest.raises(AssertionError):
        sign_in_through_the_provider(live_server, provider, "ada-1815", browser)

    assert not get_user_model().objects.exists()
    settings.STUDIO_SIGNUP_DOMAINS = ["example.com"]
    sign_in_through_the_provider(live_server, provider, "ada-1815")
    assert get_user_model().objects.get().email == "ada@example.com"
