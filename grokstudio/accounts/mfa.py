"""When an administrator requires MFA (STUDIO_REQUIRE_MFA), a signed-in person without a
second factor is sent to set one up before using the studio.

A view decorator, applied to the studio's routes in the URLconf: allauth's own pages
(where MFA is set up) stay reachable, and nothing runs when MFA is not required.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, URLResolver, reverse
from django_htmx.http import HttpResponseClientRedirect

from grokstudio.accounts.adapters import has_second_factor

REQUIRED_MESSAGE = (
    "This studio requires two-factor authentication: set up an authenticator app or a passkey to go on."
)


def mfa_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if settings.STUDIO_REQUIRE_MFA and user.is_authenticated and not has_second_factor(user):
            messages.warning(request, REQUIRED_MESSAGE)
            if getattr(request, "htmx", False):
                # The whole page goes, where the message shows: htmx would follow a redirect
                # and swap the set-up page, message and all, into a part of this one.
                return HttpResponseClientRedirect(reverse("mfa_index"))
            return redirect("mfa_index")
        return view(request, *args, **kwargs)

    return wrapper


def with_mfa_required(patterns: list) -> list:
    """The same URL patterns, each view behind `mfa_required`."""
    wrapped = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            raise TypeError("with_mfa_required takes a flat list of views")
        assert isinstance(pattern, URLPattern)
        wrapped.append(
            URLPattern(pattern.pattern, mfa_required(pattern.callback), pattern.default_args, pattern.name)
        )
    return wrapped
