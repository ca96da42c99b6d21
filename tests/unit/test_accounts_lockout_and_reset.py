"""Failed sign-ins slow down and then lock an account for a while; a forgotten password is
reset through a link sent by e-mail; e-mail verification is a setting."""

from __future__ import annotations

import json
import re

from django.core import mail

from tests.unit.test_settings import run

PASSWORD = "a-long-test-password"
NEW_PASSWORD = "another-long-secret-42"


def sign_in(client, login: str, password: str):
    return client.post("/accounts/login/", {"login": login, "password": password})


def test_after_five_failed_sign_ins_the_account_is_locked_with_a_message_saying_so(client, owner):
    for _ in range(5):
        assert "not correct" in sign_in(client, "owner", "wrong-password").text

    response = sign_in(client, "owner", PASSWORD)  # even the right password, for now

    assert response.status_code == 200
    assert "Too many failed sign-ins for this account" in response.text
    assert "locked for a while" in response.text
    assert client.get("/").status_code == 302


def test_failed_sign_ins_by_e_mail_address_lock_too(client, owner):
    owner.email = "owner@example.com"
    owner.save()
    for _ in range(5):
        sign_in(client, "owner@example.com", "wrong-password")

    assert "Too many failed sign-ins" in sign_in(client, "owner@example.com", PASSWORD).text


def test_another_account_is_not_locked_by_someone_elses_failures(client, owner, stranger):
    for _ in range(5):
        sign_in(client, "owner", "wrong-password")

    assert sign_in(client, "stranger", PASSWORD).status_code == 302


def test_successful_sign_ins_do_not_use_up_the_allowance(client, owner):
    for _ in range(6):
        assert sign_in(client, "owner", PASSWORD).status_code == 302
        client.post("/accounts/logout/")

    assert sign_in(client, "owner", PASSWORD).status_code == 302


def test_the_rate_limits_are_allauths_with_a_longer_lock_after_repeated_failures(settings):
    assert settings.ACCOUNT_RATE_LIMITS["login_failed"] == "10/m/ip,5/5m/key,20/h/key"


# --- password reset -----------------------------------------------------------------------------


def reset_link(message) -> str:
    return re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", message.body).group(1)


def test_sign_in_page_links_to_password_reset(client, db):
    assert 'href="/accounts/password/reset/"' in client.get("/accounts/login/").text


def test_a_forgotten_password_is_reset_through_the_e_mailed_link(client, owner):
    owner.email = "owner@example.com"
    owner.save()

    response = client.post("/accounts/password/reset/", {"email": "owner@example.com"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["owner@example.com"]
    link = client.get(reset_link(mail.outbox[0]))
    assert link.status_code == 302  # to the same page without the key in the address
    form = client.get(link.url)
    assert 'for="id_password1"' in form.text
    done = client.post(link.url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    assert sign_in(client, "owner", NEW_PASSWORD).status_code == 302


def test_a_reset_link_works_once(client, owner):
    owner.email = "owner@example.com"
    owner.save()
    client.post("/accounts/password/reset/", {"email": "owner@example.com"})
    link = client.get(reset_link(mail.outbox[0]))
    client.post(link.url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    again = client.get(reset_link(mail.outbox[0]), follow=True)

    assert "Bad Token" in again.text or "invalid" in again.text


def test_a_reset_for_an_unknown_address_says_nothing_about_who_has_an_account(client, db):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})

    assert response.status_code == 302
    # allauth tells the unknown address itself, without telling the person at the page.
    assert all("nobody@example.com" in m.to for m in mail.outbox)


def test_a_reset_clears_the_lock(client, owner):
    owner.email = "owner@example.com"
    owner.save()
    for _ in range(5):
        sign_in(client, "owner@example.com", "wrong-password")
    client.post("/accounts/password/reset/", {"email": "owner@example.com"})
    link = client.get(reset_link(mail.outbox[0]))
    client.post(link.url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert sign_in(client, "owner@example.com", NEW_PASSWORD).status_code == 302


# --- e-mail: the backend and verification ---------------------------------------------------------


def accounts_settings(**env: str) -> dict:
    code = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'grokstudio.settings'; "
        "from django.conf import settings as s; "
        "print(json.dumps({'verification': s.ACCOUNT_EMAIL_VERIFICATION, 'fields': s.ACCOUNT_SIGNUP_FIELDS, "
        "'backend': s.EMAIL_BACKEND, 'host': s.EMAIL_HOST, 'port': s.EMAIL_PORT, 'tls': s.EMAIL_USE_TLS, "
        "'signup': s.STUDIO_ALLOW_SIGNUP, 'domains': s.STUDIO_SIGNUP_DOMAINS, 'mfa': s.STUDIO_REQUIRE_MFA, "
        "'invite_days': s.STUDIO_INVITE_DAYS, 'oidc': s.SOCIALACCOUNT_PROVIDERS}))"
    )
    result = run(code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_by_default_e_mail_goes_to_the_console_and_verification_is_optional():
    values = accounts_settings()

    assert values["backend"] == "django.core.mail.backends.console.EmailBackend"
    assert values["verification"] == "optional"
    assert "email" in values["fields"]  # asked for, not required


def test_email_url_names_an_smtp_server():
    values = accounts_settings(EMAIL_URL="smtp+tls://mailer:secret@smtp.example.com:587")

    assert values["backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (values["host"], values["port"], values["tls"]) == ("smtp.example.com", 587, True)


def test_mandatory_verification_makes_the_e_mail_required():
    values = accounts_settings(STUDIO_EMAIL_VERIFICATION="mandatory")

    assert values["verification"] == "mandatory"
    assert "email*" in values["fields"]


def test_an_unknown_verification_mode_stops_the_studio_at_start_up():
    result = run("manage.py check", STUDIO_EMAIL_VERIFICATION="sometimes")

    assert result.returncode != 0
    assert "STUDIO_EMAIL_VERIFICATION" in result.stderr


def test_with_mandatory_verification_a_new_account_must_confirm_its_address_first(client, db, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    settings.ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]

    response = client.post(
        "/accounts/signup/",
        {"username": "newcomer", "email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 302
    assert response.url == "/accounts/confirm-email/"
    assert client.get("/").status_code == 302  # not signed in until confirmed
    assert mail.outbox[0].to == ["new@example.com"]
