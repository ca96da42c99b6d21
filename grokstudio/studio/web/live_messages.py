"""Messages added while answering htmx reach the page at once.

Every studio view wears `carry_messages`: when htmx asked and the answer is a fragment to swap
in, the messages made while answering it are sent with it, out of band, into the page's
messages area. Messages that were already waiting belong to the page an earlier request led
to (a form's redirect): they stay for that page, even if a poll from the page being left
arrives first. A plain request is left alone, its messages shown by the next page as Django
does. One decorator, proved on every route by a test, so no view can forget it.

So an htmx request must be answered where it is asked, never by a redirect: htmx follows a
redirect with its own headers, and the message the first request made would count as waiting
in the second, and wait for the next whole page.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.messages.storage.base import BaseStorage
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

# Answers that replace the page: it shows the messages itself.
WHOLE_PAGE_HEADERS = ("HX-Refresh", "HX-Redirect", "HX-Location")


def _made_here(request: HttpRequest, storage: BaseStorage, earlier: int) -> str:
    """The messages area, out of band, with the messages this request made; those that were
    waiting before it are put back for the next page."""
    pending = list(storage)  # marks them all shown: the earlier ones first, then this request's
    for message in pending[:earlier]:
        storage.add(message.level, message.message, message.extra_tags)
    return render_to_string("base.html#messages", {"oob": True, "messages": pending[earlier:]}, request)


def carry_messages(view):
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        htmx = getattr(request, "htmx", False)
        storage = messages.get_messages(request)
        earlier = len(storage) if htmx else 0
        response = view(request, *args, **kwargs)
        if (
            htmx
            and response.status_code == 200
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and not any(header in response for header in WHOLE_PAGE_HEADERS)
            # `used` is set once a template has shown them (a whole page sent to htmx).
            and not storage.used
            and len(storage) > earlier
        ):
            response.write(_made_here(request, storage, earlier))
        return response

    wrapped.carries_messages = True
    return wrapped
