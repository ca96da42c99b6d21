"""The studio's rules for allauth: who may sign up, with which e-mail and username, and MFA.

Sign-up is open when STUDIO_ALLOW_SIGNUP says so, or to someone holding an unused
invitation (kept in their session by `views.accept_invitation`), which the sign-up uses up.
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import render

from grokstudio.accounts.models import Invitation
from grokstudio.accounts.usernames import validate_new_username

INVITATION_SESSION_KEY = "studio_invitation"
# What counts as a second factor; recovery codes only stand in for one.
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def invitation_of(request: HttpRequest) -> Invitation | None:
    """The usable invitation this browser opened, if any."""
    pk = request.session.get(INVITATION_SESSION_KEY)
    return Invitation.objects.usable().filter(pk=pk).first() if pk else None


def domains_message() -> str:
    allowed = ", ".join(settings.STUDIO_SIGNUP_DOMAINS)
    return f"Use an e-mail address at {allowed}: this studio is for those addresses only."


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": (
            "Too many failed sign-ins for this account. It is locked for a while: "
            "try again in a few minutes, or reset your password."
        ),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return settings.STUDIO_ALLOW_SIGNUP or invitation_of(request) is not None

    def clean_email(self, email: str) -> str:
        domains = settings.STUDIO_SIGNUP_DOMAINS
        if domains and email.rpartition("@")[2].lower() not in domains:
            raise ValidationError(domains_message(), code="email_domain")
        return super().clean_email(email)

    def clean_username(self, username: str, shallow: bool = False) -> str:
        username = super().clean_username(username, shallow=shallow)
        if not shallow:
            validate_new_username(username)
        return username

    def save_user(self, request: HttpRequest, user, form, commit: bool = True):
        pk = request.session.get(INVITATION_SESSION_KEY)
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=commit)
            if commit and pk:
                claimed = Invitation.claim(pk, user)
                if claimed is None and not settings.STUDIO_ALLOW_SIGNUP:
                    # Used up or expired since the form was opened: undo this sign-up.
                    refused = invitation_refused(request, Invitation.objects.filter(pk=pk).first())
                    raise ImmediateHttpResponse(refused)
                request.session.pop(INVITATION_SESSION_KEY, None)
        return user


def invitation_refused(request: HttpRequest, invitation: Invitation | None):
    state = invitation.state if invitation else "unknown"
    status = 404 if invitation is None else 410
    return render(request, "accounts/invitation_refused.html", {"state": state}, status=status)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        # The team's identity provider decides who belongs to the team; with a domain limit,
        # only its people with a verified address there (a provider may serve many tenants).
        domains = settings.STUDIO_SIGNUP_DOMAINS
        return not domains or any(
            address.verified and address.email.rpartition("@")[2].lower() in domains
            for address in sociallogin.email_addresses
        )


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if settings.STUDIO_REQUIRE_MFA and authenticator.type in SECOND_FACTORS:
            others = Authenticator.objects.filter(user=authenticator.user, type__in=SECOND_FACTORS)
            if not others.exclude(pk=authenticator.pk).exists():
                return False
        return super().can_delete_authenticator(authenticator)
