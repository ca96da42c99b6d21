"""The studio's own deployment checks, run by `manage.py check --deploy`.

Django's checks cover HTTPS and cookies; these cover what a studio spending on one
shared xAI key should not run without: a closed door and a budget. They warn, as a
studio for a trusted team may choose both. Registered from StudioConfig.ready.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning


@register(Tags.security, deploy=True)
def check_signup_is_limited(app_configs, **kwargs) -> list[CheckMessage]:
    if not settings.STUDIO_ALLOW_SIGNUP or getattr(settings, "STUDIO_SIGNUP_DOMAINS", []):
        return []
    return [
        CheckWarning(
            "Sign-up is open to anyone who finds the studio, and every account spends on its xAI key.",
            hint="Set STUDIO_ALLOW_SIGNUP=false, or limit sign-up to your team's e-mail domains "
            "with STUDIO_SIGNUP_DOMAINS.",
            id="grokstudio.W001",
        )
    ]


@register(Tags.security, deploy=True)
def check_a_budget_applies(app_configs, **kwargs) -> list[CheckMessage]:
    if settings.STUDIO_MONTHLY_BUDGET_USD is not None:
        return []
    return [
        CheckWarning(
            "No monthly budget applies: a person without one of their own may spend without limit.",
            hint="Set STUDIO_MONTHLY_BUDGET_USD to each person's monthly limit in USD; an "
            "administrator can still give someone their own on their user page.",
            id="grokstudio.W002",
        )
    ]
