"""A part of a page asked for by htmx after its session has ended reloads the whole page.

Every studio view but the share links needs a signed-in person, and `login_required` answers
a signed-out one with a redirect to sign-in. A browser's own request follows it to the sign-in
page, but htmx follows it invisibly and swaps the sign-in page into whatever part of the page
asked: a card, the create form, the gallery's results. Here, on the way out, such a redirect
for htmx becomes a reload of the page it came from, which then goes to sign-in as a whole,
with that page to come back to. Answers are seen here for every view, the accounts' included,
so no view can forget it.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseRedirectBase
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRefresh


def reload_into_sign_in(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if (
            getattr(request, "htmx", False)
            and isinstance(response, HttpResponseRedirectBase)
            and not request.user.is_authenticated
            and urlsplit(response.url).path == resolve_url(settings.LOGIN_URL)
        ):
            return HttpResponseClientRefresh()
        return response

    return middleware
