"""Monthly spending limits: what a person has spent, what a request would cost, what is left.

Spending is the cost xAI reported for the month's generations and prompt help (calendar month,
UTC), plus an estimate from the model table for those still at work, whose
cost is not known yet. A submission whose estimate does not fit in what is
left is refused before anything is sent to xAI.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.utils import timezone

from grokstudio.accounts.models import Budget
from grokstudio.studio import catalog
from grokstudio.studio.models import ACTIVE_STATUSES, Generation, Kind, PromptHelp

TICKS_PER_USD = Decimal(10_000_000_000)
CENT = Decimal("0.01")


class OverBudget(ValidationError):
    """The request would take the person over their monthly budget (code `over_budget`); the
    message says what is left."""


def estimate_usd(kind: str, model: str, params: dict, references: int = 0) -> Decimal:
    """What xAI will probably charge, from the model table's prices."""
    if kind == Kind.VIDEO:
        video = catalog.VIDEO_MODELS.get(model)
        seconds = params.get("duration") or params.get("source_seconds") or catalog.DEFAULT_VIDEO_DURATION
        return Decimal(str(video.usd_per_second if video else 0)) * seconds
    image = catalog.IMAGE_MODELS.get(model)
    price = Decimal(str(image.usd_per_image if image else 0))
    # An edit also bills its inputs.
    return price * ((params.get("n") or 1) + references)


def estimate_submission(kind: str, data: dict) -> Decimal:
    """The estimate for a create form's cleaned data."""
    if kind == Kind.VIDEO:
        source = data.get("video") or data.get("video_asset")
        seconds = data.get("duration")
        if data.get("mode") == catalog.VideoMode.VIDEO and source is not None:
            seconds = round(source.duration_s or 0) or None  # an edit keeps the clip's length
        return estimate_usd(kind, data.get("model", ""), {"duration": seconds})
    references = len(data.get("references") or []) + len(data.get("reference_assets") or [])
    return estimate_usd(kind, data.get("model", ""), {"n": data.get("n")}, references)


def limit_usd(user) -> Decimal | None:
    """The person's monthly budget, or None when there is no limit."""
    own = Budget.objects.filter(user=user).values_list("monthly_usd", flat=True).first()
    if own is not None:
        return own
    default = settings.STUDIO_MONTHLY_BUDGET_USD
    return None if default is None else Decimal(str(default))


def spent_usd(user) -> Decimal:
    """This month's reported costs plus the estimates of what is still at work."""
    month_start = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    month = Generation.objects.filter(user=user, created_at__gte=month_start)
    reported = month.exclude(status__in=ACTIVE_STATUSES).aggregate(t=Sum("cost_usd_ticks"))["t"] or 0
    # Still at work, or ended without a reported cost after reaching xAI (cancelled or timed
    # out while rendering, an answer lost): xAI may well bill those, so their estimates count.
    unreported = Q(status__in=ACTIVE_STATUSES) | (
        Q(cost_usd_ticks=None) & (~Q(request_id="") | Q(error_code="outcome_unknown"))
    )
    at_work = month.filter(unreported).annotate(inputs=Count("references"))
    pending = sum(
        (estimate_usd(g.kind, g.model, g.params, g.inputs) for g in at_work.only("kind", "model", "params")),
        Decimal(0),
    )
    return Decimal(reported) / TICKS_PER_USD + pending + _prompt_help_usd(user, month_start)


def _prompt_help_usd(user, since) -> Decimal:
    """Prompt help's reported costs, and the estimate for help still asking (or lost asking)."""
    helps = PromptHelp.objects.filter(user=user, created_at__gte=since)
    reported = helps.aggregate(t=Sum("cost_usd_ticks"))["t"] or 0
    asking = Q(status__in=(PromptHelp.State.PENDING, PromptHelp.State.SUBMITTING))
    unknown = helps.filter(asking | Q(error_code="outcome_unknown"), cost_usd_ticks=None).count()
    return (Decimal(reported) / TICKS_PER_USD) + unknown * Decimal(str(catalog.PROMPT_HELP_ESTIMATE_USD))


def remaining_usd(user) -> Decimal | None:
    limit = limit_usd(user)
    return None if limit is None else max(Decimal(0), limit - spent_usd(user))


def check(user, cost: Decimal) -> None:
    """Raise OverBudget if `cost` does not fit in what the person has left this month."""
    left = remaining_usd(user)
    if left is not None and cost > left:
        raise OverBudget(
            "This would cost about $%(cost)s and you have $%(left)s left of your monthly budget. "
            "Ask an administrator to raise it, or wait for next month.",
            code="over_budget",
            params={"cost": cost.quantize(CENT), "left": left.quantize(CENT)},
        )


def lock(user) -> None:
    """Serialise one person's submissions (inside a transaction), so two at once cannot both fit."""
    Budget.objects.get_or_create(user=user)
    Budget.objects.select_for_update().filter(user=user).first()
