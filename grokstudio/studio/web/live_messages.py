"""Messages added while answering htmx reach the page at once.

Every studio view wears `carry_messages`: when htmx asked and the answer is a fragment to swap
in, the messages still waiting are sent with it, out of band, into the page's messages area.
A plain request is left alone, its messages shown by the next page as Django does. One
decorator, proved on every route by a test, so no view can forget it.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

# Answers that replace the page: it shows the messages itself.
WHOLE_PAGE_HEADERS = ("HX-Refresh", "HX-Redirect", "HX-Location")


def _waiting(request: HttpRequest) -> bool:
    storage = messages.get_messages(request)
    # `used` is set once a template has shown them (a whole page sent to htmx).
    return not storage.used and len(storage) > 0


def carry_messages(view):
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if (
            getattr(request, "htmx", False)
            and response.status_code == 200
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and not any(header in response for header in WHOLE_PAGE_HEADERS)
            and _waiting(request)
        ):
            response.write(render_to_string("base.html#messages", {"oob": True}, request))
        return response

    wrapped.carries_messages = True
    return wrapped
