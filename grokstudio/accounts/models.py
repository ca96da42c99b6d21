"""What the studio keeps about a person beyond Django's user: their monthly budget, and
the invitations that let people sign up when sign-up is closed."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class Budget(models.Model):
    """How much a person may spend on xAI per calendar month (UTC), set by an administrator."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True)
    monthly_usd = models.DecimalField(
        "monthly budget (USD)", max_digits=10, decimal_places=2, null=True, blank=True,
        help_text="Empty: the studio's default (STUDIO_MONTHLY_BUDGET_USD).",
    )  # fmt: skip

    def __str__(self) -> str:
        return f"budget of {self.user}"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def usable(self) -> InvitationQuerySet:
        return self.filter(used_at=None, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """A single-use link to sign up, made by staff; it works even when sign-up is closed.

    Like an API token, the secret in the link is shown once and only its SHA-256 is kept.
    """

    digest = models.CharField(max_length=64, unique=True)
    note = models.CharField(max_length=200, blank=True, help_text="Whom it is for, to recognise it later.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="invitations_made"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitation"
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"invitation {self.note or self.pk}"

    @classmethod
    def issue(cls, created_by, note: str = "") -> tuple[Invitation, str]:
        """A new invitation and the secret for its link, which is never stored."""
        secret = secrets.token_urlsafe(24)
        expires_at = timezone.now() + timedelta(days=settings.STUDIO_INVITE_DAYS)
        invitation = cls.objects.create(
            digest=_digest(secret), note=note, created_by=created_by, expires_at=expires_at
        )
        return invitation, secret

    @classmethod
    def find(cls, secret: str) -> Invitation | None:
        return cls.objects.filter(digest=_digest(secret)).first()

    @property
    def state(self) -> str:
        """One of "usable", "used" or "expired"."""
        if self.used_at:
            return "used"
        if self.expires_at <= timezone.now():
            return "expired"
        return "usable"

    @classmethod
    def claim(cls, pk: int, user) -> Invitation | None:
        """Mark invitation `pk` used by `user`, if still usable: of two sign-ups, one wins."""
        if cls.objects.usable().filter(pk=pk).update(used_at=timezone.now(), used_by=user) != 1:
            return None
        return cls.objects.get(pk=pk)
