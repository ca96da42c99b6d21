"""What the studio keeps about a person beyond Django's user: their monthly budget."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Budget(models.Model):
    """How much a person may spend on xAI per calendar month (UTC), set by an administrator."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True)
    monthly_usd = models.DecimalField(
        "monthly budget (USD)", max_digits=10, decimal_places=2, null=True, blank=True,
        help_text="Empty: the studio's default (STUDIO_MONTHLY_BUDGET_USD).",
    )  # fmt: skip

    def __str__(self) -> str:
        return f"budget of {self.user}"
