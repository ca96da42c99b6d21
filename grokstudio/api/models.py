"""Personal API tokens: a script acts for the person who made the token, and only them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from grokstudio.api.outbound import MAX_URL_LENGTH

PREFIX = "gs_"
PREFIX_HEX = 8  # the visible part after PREFIX, telling a person's tokens apart
# Writing "last used" on every request would make each API call a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_signing_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


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
    # Signs the callbacks of this token's tasks (HMAC-SHA256 over the body). Unlike the
    # token it is kept as is: the studio needs it to sign, and its owner to check.
    signing_secret = models.CharField(max_length=64, default=new_signing_secret)

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


class Callback(models.Model):
    """Where to POST a task's final JSON when it ends, and how that delivery went.

    Delivered once: a sender claims the row with a conditional UPDATE before it
    sends. A failed delivery waits `next_attempt_at` (growing each time) and is
    tried again by the API's sweep, up to `MAX_ATTEMPTS`.
    """

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting for the task to end"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Given up"

    MAX_ATTEMPTS = 6

    generation = models.OneToOneField("studio.Generation", on_delete=models.CASCADE, related_name="callback")
    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="callbacks")
    url = models.URLField(max_length=MAX_URL_LENGTH)
    # The studio's address as the caller reached it: the task JSON's download URLs start with it.
    base_url = models.URLField(max_length=500)
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Which ending is reported: a task given up as `outcome_unknown` that resumes ends again.
    round = models.PositiveSmallIntegerField(default=1)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="callback_due")]

    def __str__(self) -> str:
        return f"callback of task {self.generation_id} to {self.url} ({self.state})"
