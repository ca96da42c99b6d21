"""Sign up, sign in, sign out, change password (allauth's pages, the studio's rules); and no
studio page without signing in."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern

from grokstudio.studio.web import urls as studio_urls

PASSWORD = "a-long-test-password"
NEW_PASSWORD = "another-long-secret-42"


def label(response, field: str) -> str:
    return re.search(rf'<label for="id_{field}">([^<]*)</label>', response.text).group(1)


def test_the_emulator_banner_is_on_every_page_even_signed_out(client, db, settings):
    settings.XAI_EMULATOR = True
    for url in ("/accounts/login/", "/accounts/signup/"):
        assert "built-in xAI emulator" in client.get(url).text


# --- sign up ----------------------------------------------------------------------------------


def test_signup_page_has_labelled_username_and_password_fields(client, db):
    response = client.get("/accounts/signup/")

    assert response.status_code == 200
    assert label(response, "username") == "Username"
    assert label(response, "password1") == "Password"
    # Only one label contains "Password", so a search for it finds one field.
    assert label(response, "password2") == "Confirmation"


def test_signup_creates_a_user_and_signs_them_in(client, db):
    response = client.post(
        "/accounts/signup/", {"username": "newcomer", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == "/"
    user = get_user_model().objects.get(username="newcomer")
    assert user.check_password(PASSWORD)
    assert client.get("/").context["user"] == user


def test_signup_refuses_mismatched_passwords(client, db):
    response = client.post(
        "/accounts/signup/", {"username": "newcomer", "password1": PASSWORD, "password2": "something-else-1"}
    )

    assert response.status_code == 200
    assert 'id="id_password2-error"' in response.text
    assert not get_user_model().objects.filter(username="newcomer").exists()


def test_signup_refuses_a_taken_username(client, owner):
    response = client.post(
        "/accounts/signup/", {"username": "owner", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert response.status_code == 200
    assert "already exists" in response.text
    assert get_user_model().objects.count() == 1


def test_signup_refuses_a_weak_password(client, db):
    response = client.post(
        "/accounts/signup/", {"username": "newcomer", "password1": "1234", "password2": "1234"}
    )

    assert response.status_code == 200
    assert 'id="id_password1-error"' in response.text
    assert not get_user_model().objects.filter(username="newcomer").exists()


def test_signup_sends_a_signed_in_user_to_the_gallery(owner_client):
    response = owner_client.get("/accounts/signup/")

    assert response.status_code == 302
    assert response.url == "/"


def test_signup_says_it_is_closed_when_closed(client, db, settings):
    settings.STUDIO_ALLOW_SIGNUP = False

    assert "Sign-up is closed" in client.get("/accounts/signup/").text
    response = client.post(
        "/accounts/signup/", {"username": "x", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert "Sign-up is closed" in response.text
    assert "invitation" in response.text
    assert not get_user_model().objects.exists()


def test_login_page_links_to_signup_when_open(client, db):
    response = client.get("/accounts/login/")

    assert 'href="/accounts/signup/"' in response.text
    assert "Sign up" in response.text


def test_login_page_has_no_signup_link_when_closed(client, db, settings):
    settings.STUDIO_ALLOW_SIGNUP = False

    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert "/accounts/signup/" not in response.text
    assert "Sign up" not in response.text


# --- sign in and out -------------------------------------------------------------------------


def test_sign_in_opens_the_gallery(client, owner):
    response = client.post("/accounts/login/", {"login": "owner", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == "/"
    assert client.get("/").status_code == 200


def test_sign_in_by_e_mail_opens_the_gallery(client, owner):
    owner.email = "owner@example.com"
    owner.save()

    response = client.post("/accounts/login/", {"login": "Owner@Example.com", "password": PASSWORD})

    assert response.url == "/"
    assert client.get("/").wsgi_request.user == owner


def test_sign_in_goes_back_to_the_page_asked_for(client, owner):
    response = client.post("/accounts/login/", {"login": "owner", "password": PASSWORD, "next": "/poll/"})

    assert response.url == "/poll/"


def test_sign_in_refuses_a_wrong_password(client, owner):
    response = client.post("/accounts/login/", {"login": "owner", "password": "wrong-password"})

    assert response.status_code == 200
    assert "not correct" in response.text
    assert client.get("/").status_code == 302


def test_sign_in_page_has_labelled_fields(client, db):
    response = client.get("/accounts/login/")

    assert label(response, "login") == "Username or e-mail"
    assert label(response, "password") == "Password"


def test_sign_out_by_post_ends_the_session(owner_client):
    response = owner_client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    assert owner_client.get("/").status_code == 302


def test_sign_out_is_not_done_by_get(owner_client):
    response = owner_client.get("/accounts/logout/")

    assert response.status_code == 200
    assert '<form method="post" action="/accounts/logout/" novalidate>' in response.text  # it asks first
    assert owner_client.get("/").status_code == 200


def test_every_page_offers_sign_out_as_a_form(owner_client):
    response = owner_client.get("/")

    assert '<form method="post" action="/accounts/logout/"' in response.text


# --- password change ---------------------------------------------------------------------------


def test_password_change_requires_login(client, db):
    response = client.get("/accounts/password/change/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_former_password_change_address_leads_to_the_page(owner_client):
    response = owner_client.get("/accounts/password/")

    assert response.status_code == 302
    assert response.url == "/accounts/password/change/"
    assert owner_client.get(response.url).status_code == 200


def test_password_change_page_has_labelled_fields(owner_client):
    response = owner_client.get("/accounts/password/change/")

    assert label(response, "oldpassword") == "Current Password"
    assert label(response, "password1") == "New Password"


def test_password_change_works_and_keeps_the_user_signed_in(owner_client, owner):
    response = owner_client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    assert owner_client.get("/").status_code == 200


def test_password_change_refuses_a_wrong_old_password(owner_client, owner):
    response = owner_client.post(
        "/accounts/password/change/",
        {"oldpassword": "not-it", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert 'id="id_oldpassword-error"' in response.text
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_the_new_password_signs_in(client, owner):
    client.force_login(owner)
    client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    client.post("/accounts/logout/")

    response = client.post("/accounts/login/", {"login": "owner", "password": NEW_PASSWORD})

    assert response.url == "/"


# --- no studio page without signing in -----------------------------------------------------------


# A share link opens for whoever holds it, signed in or not: that is what it is for.
PUBLIC_ROUTES = {"shared", "shared-file", "shared-download"}


def studio_paths() -> list[str]:
    paths = []
    for pattern in studio_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name in PUBLIC_ROUTES:
            continue
        route = str(pattern.pattern)
        paths.append("/" + re.sub(r"<int:\w+>", "1", route))
    return paths


@pytest.mark.parametrize("path", studio_paths())
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_studio_route_asks_for_sign_in(client, db, path, method):
    response = getattr(client, method)(path)

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")


@pytest.mark.parametrize("name", sorted(PUBLIC_ROUTES))
def test_share_link_routes_answer_signed_out_people_without_sending_them_to_sign_in(client, db, name):
    from django.urls import reverse

    assert client.get(reverse(f"studio:{name}", args=["no-such-token"])).status_code == 404


# --- sessions from before the switch to Django's ModelBackend ----------------------------------


def test_a_session_signed_in_through_the_former_backend_stays_signed_in_after_migrating(client, owner):
    from importlib import import_module

    from django.apps import apps
    from django.contrib.sessions.backends.db import SessionStore

    migration = import_module("grokstudio.accounts.migrations.0002_sessions_on_model_backend")
    session = SessionStore()
    session.update(
        {
            "_auth_user_id": str(owner.pk),
            "_auth_user_backend": migration.OLD,
            "_auth_user_hash": owner.get_session_auth_hash(),
        }
    )
    session.create()
    client.cookies["sessionid"] = session.session_key
    assert client.get("/").status_code == 302  # Django no longer knows that backend

    migration.forward(apps, None)

    response = client.get("/")
    assert response.status_code == 200
    assert response.wsgi_request.user == owner
