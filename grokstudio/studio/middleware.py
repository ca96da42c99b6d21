"""The idle gallery's "anything new?", answered before the rest of the stack when nothing is.

Every open gallery asks the poll every STUDIO_IDLE_POLL_INTERVAL_S while its tab
is visible, and nearly always nothing changed: the answer is a 204 with no body.
Such a request needs the session, Django's check of the signed-in user and one
statement of the poll's rows; the session, CSRF, messages and htmx middleware,
URL resolution and the view add nothing to a 204 but their cost. This
middleware, placed right after SecurityMiddleware (whose SSL redirect and
headers still apply), gives that one answer itself.

It answers only when the full stack would give the same 204: a GET or HEAD of
the poll with `idle=1` and a valid `since`, an allowed host, a session that
Django's own `auth.get_user` accepts as it stands, and no row changed or at
work. Anything else goes on to the view, which answers it in full: signed out,
a session Django would rotate (a fallback secret) or end (a changed password),
a change to show, a malformed query. The session is read through a view that
cannot write, so a case that would change it is left to the full stack, and
the query is parsed as request.GET parses it.

If anything after it in MIDDLEWARE is not a layer it knows it may skip, or the
settings would have that stack add to the answer (sessions renewed on every
request, refused user agents), it turns itself off at startup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from importlib import import_module
from urllib.parse import parse_qsl

from django.conf import settings
from django.contrib import auth
from django.core.exceptions import DisallowedHost, MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse
from django.urls import get_script_prefix, reverse, set_script_prefix

from grokstudio.accounts.backends import riding_along
from grokstudio.studio import selectors


class _NeedsFullStack(Exception):
    """The session would change: the full stack, with its session middleware, handles it."""


class _ReadOnlySession(Mapping):
    """A session as `auth.get_user` reads it; rotating or ending it is refused."""

    def __init__(self, store) -> None:
        self._store = store

    def __getitem__(self, key):
        return self._store[key]

    def __iter__(self) -> Iterator:
        return iter(self._store.keys())

    def __len__(self) -> int:
        return len(self._store.keys())

    def __setitem__(self, key, value) -> None:
        raise _NeedsFullStack

    def cycle_key(self) -> None:
        raise _NeedsFullStack

    def flush(self) -> None:
        raise _NeedsFullStack


_NAME = f"{__name__}.IdlePollMiddleware"
_FRAME_OPTIONS = "django.middleware.clickjacking.XFrameOptionsMiddleware"
# What may come after it in MIDDLEWARE: none of these adds anything to an idle
# poll's 204 but a frame header, which it sets itself.
SKIPPED = {
    _FRAME_OPTIONS,
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
}


class IdlePollMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        after = settings.MIDDLEWARE[settings.MIDDLEWARE.index(_NAME) + 1 :]
        if set(after) - SKIPPED or settings.SESSION_SAVE_EVERY_REQUEST or settings.DISALLOWED_USER_AGENTS:
            # Something after it would change the answer (a middleware it does not know,
            # sessions renewed on every request, refused user agents): the full stack answers.
            raise MiddlewareNotUsed(f"{_NAME} is off: the rest of the stack is not one it may skip")
        self.get_response = get_response
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore
        self.frame_options = settings.X_FRAME_OPTIONS.upper() if _FRAME_OPTIONS in after else None
        self._path: str | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD") and request.path_info == self._poll_path():
            response = self._idle_answer(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _poll_path(self) -> str:
        if self._path is None:
            # The poll's path within the site (request.path_info), whatever prefix it is served under.
            prefix = get_script_prefix()
            set_script_prefix("/")
            try:
                self._path = reverse("studio:poll")
            finally:
                set_script_prefix(prefix)
        return self._path

    def _idle_answer(self, request: HttpRequest) -> HttpResponse | None:
        """The 204 the poll view would answer, or None to let the view answer."""
        # The fields the view would read from request.GET, parsed as QueryDict parses
        # them (last value wins, too many is an error) without building one. A query
        # that is not plain ASCII, or a request with its own encoding, is left to the view.
        raw = request.META.get("QUERY_STRING", "")
        if not raw.isascii() or request.encoding:
            return None
        try:
            query = dict(parse_qsl(raw, keep_blank_values=True, encoding=settings.DEFAULT_CHARSET,
                                   max_num_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS))  # fmt: skip
        except ValueError:
            return None  # the view's 400 (TooManyFieldsSent)
        if query.get("idle") != "1":
            return None
        since = selectors.parse_poll_since(query.get("since", ""))
        key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if since is None or not key:
            return None
        try:
            request.get_host()
        except DisallowedHost:
            return None  # CommonMiddleware answers it
        request.session = _ReadOnlySession(self.session_store(key))
        try:
            with riding_along(selectors.poll_rider(since)) as rider:
                user = auth.get_user(request)
        except _NeedsFullStack:
            user = None
        finally:
            del request.session
        if user is None or not user.is_authenticated or rider.rows is None:
            return None
        changed, polling = selectors.poll_state(user, since, rider.rows)
        if changed or polling:
            return None
        response = HttpResponse(status=204)
        response["Vary"] = "Cookie"  # as the session middleware marks a response that read the session
        if self.frame_options:
            response["X-Frame-Options"] = self.frame_options
        return response
