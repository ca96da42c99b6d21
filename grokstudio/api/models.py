"""Personal API tokens: a script acts for the person who made the token, and only them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

PREFIX = "gs_"
PREFIX_HEX = 8  # the visible part after PREFIX, telling a person's tokens apart
# Writing "last used" on every request would make each API call a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def live(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at=None)


class ApiToken(models.Model):
    """The secret is shown once, at creation; only its SHA-256 is kept, with a short visible prefix."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user, name: str) -> tuple[ApiToken, str]:
        """A new token and its secret, which is never stored and cannot be shown again."""
        prefix = PREFIX + secrets.token_hex(PREFIX_HEX // 2)
        secret = f"{prefix}_{secrets.token_urlsafe(32)}"
        return cls.objects.create(user=user, name=name, prefix=prefix, digest=_digest(secret)), secret

    @classmethod
    def authenticate(cls, secret: str) -> ApiToken | None:
        """The live token this secret belongs to, or None."""
        prefix = secret[: len(PREFIX) + PREFIX_HEX]
        # The secret part may itself contain "_": the prefix is a fixed length, not "up to the last _".
        if not secret.startswith(PREFIX) or secret[len(prefix) : len(prefix) + 1] != "_" or len(secret) > 200:
            return None
        token = cls.objects.live().select_related("user").filter(prefix=prefix).first()
        if token is None or not hmac.compare_digest(token.digest, _digest(secret)):
            return None
        if not token.user.is_active:
            return None
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token

    def revoke(self) -> None:
        ApiToken.objects.filter(pk=self.pk, revoked_at=None).update(revoked_at=timezone.now())


class IdempotencyKey(models.Model):
    """A POST's `Idempotency-Key`: a retry with the same body gets the first answer, nothing new is sent."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_digest = models.CharField(max_length=64)
    generation = models.ForeignKey("studio.Generation", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_idempotency_key_per_user")]

    def __str__(self) -> str:
        return f"idempotency key {self.key!r} of {self.user}"
