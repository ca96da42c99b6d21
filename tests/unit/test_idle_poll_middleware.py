"""IdlePollMiddleware answers an idle gallery's poll when nothing changed, and only then.

Every other case must reach the poll view unchanged: the middleware may only
give the 204 the full stack would have given, and must never change a session.
"""

from __future__ import annotations

import re
from datetime import timedelta
from importlib import import_module
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.core.exceptions import MiddlewareNotUsed
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import set_script_prefix
from django.utils import timezone

from grokstudio.accounts.backends import _rider
from grokstudio.studio.middleware import IdlePollMiddleware
from grokstudio.studio.models import Generation, Status
from tests.factories import make_generation

URL = "/poll/"
HTMX = {"HX-Request": "true"}
MIDDLEWARE = "grokstudio.studio.middleware.IdlePollMiddleware"


def since(seconds_ago: float = 5) -> str:
    return (timezone.now() - timedelta(seconds=seconds_ago)).isoformat()


def aged(generation: Generation, seconds: float = 600) -> Generation:
    Generation.objects.filter(pk=generation.pk).update(updated_at=timezone.now() - timedelta(seconds=seconds))
    return generation


class Passed(HttpResponse):
    """What the rest of the stack would have answered: the middleware let the request through."""


def rest_of_the_stack(request) -> Passed:
    # A request passed on is as the middleware found it: no session or user of its
    # making, and no rider left waiting for the next read of a user.
    assert not hasattr(request, "session") and not hasattr(request, "user")
    assert _rider.get() is None
    return Passed("the view")


@pytest.fixture
def middleware(db):
    return IdlePollMiddleware(rest_of_the_stack)


def signed_in_request(client: Client, path: str = URL, method: str = "get", **query):
    """A request as the browser of `client` sends it: its session cookie, and the idle poller's query."""
    query = {"since": since(), "idle": "1", **query}
    factory = RequestFactory()
    request = getattr(factory, method)(path, {k: v for k, v in query.items() if v is not None}, headers=HTMX)
    request.COOKIES.update({name: morsel.value for name, morsel in client.cookies.items()})
    return request


def test_it_answers_an_idle_poll_with_nothing_new_itself(middleware, owner_client, owner, stranger):
    aged(make_generation(owner))
    make_generation(stranger, status=Status.PROCESSING)  # someone else's work is not this gallery's

    with CaptureQueriesContext(connection) as queries:
        response = middleware(signed_in_request(owner_client))

    assert not isinstance(response, Passed)
    assert response.status_code == 204 and response.content == b""
    assert response["Vary"] == "Cookie"
    assert len(queries) == 1, [q["sql"] for q in queries]  # the user and the poll's rows, one statement


def test_it_answers_a_head_request_alike(middleware, owner_client):
    response = middleware(signed_in_request(owner_client, method="head"))

    assert not isinstance(response, Passed) and response.status_code == 204


@pytest.mark.parametrize(
    "query",
    [
        {"idle": None},
        {"idle": "0"},
        {"idle": "yes"},
        {"since": None},
        {"since": "not-a-time"},
        {"since": "2026-11-23T10:00:00"},  # no time zone
    ],
    ids=["not-idle", "idle-0", "idle-yes", "no-since", "bad-since", "naive-since"],
)
def test_any_other_query_goes_on_to_the_view(middleware, owner_client, query):
    assert isinstance(middleware(signed_in_request(owner_client, **query)), Passed)


def test_a_query_not_plain_ascii_or_a_request_with_its_own_encoding_goes_on_to_the_view(
    middleware, owner_client
):
    request = signed_in_request(owner_client)
    request.META["QUERY_STRING"] += "&q=caf\xc3\xa9"  # raw UTF-8 bytes, as WSGI hands them over
    assert isinstance(middleware(request), Passed)

    request = signed_in_request(owner_client)
    request.encoding = "iso-8859-1"
    assert isinstance(middleware(request), Passed)


def test_other_paths_and_methods_go_on_to_the_view(middleware, owner_client):
    assert isinstance(middleware(signed_in_request(owner_client, path="/")), Passed)
    assert isinstance(middleware(signed_in_request(owner_client, path="/poll/x")), Passed)
    assert isinstance(middleware(signed_in_request(owner_client, method="post")), Passed)


@pytest.mark.parametrize("status", [Status.PENDING, Status.PROCESSING])
def test_work_under_way_goes_on_to_the_view(middleware, owner_client, owner, status):
    aged(make_generation(owner, status=status))

    assert isinstance(middleware(signed_in_request(owner_client)), Passed)


def test_a_change_since_the_last_poll_goes_on_to_the_view(middleware, owner_client, owner):
    make_generation(owner)  # just finished

    assert isinstance(middleware(signed_in_request(owner_client, since=since(60))), Passed)


def test_no_session_or_an_unknown_one_goes_on_to_the_view(middleware, owner_client):
    assert isinstance(middleware(signed_in_request(Client())), Passed)
    request = signed_in_request(owner_client)
    request.COOKIES[django_settings.SESSION_COOKIE_NAME] = "x" * 32
    assert isinstance(middleware(request), Passed)


def test_an_inactive_or_deleted_account_goes_on_to_the_view(middleware, owner_client, owner):
    owner.is_active = False
    owner.save()
    assert isinstance(middleware(signed_in_request(owner_client)), Passed)

    owner.delete()
    assert isinstance(middleware(signed_in_request(owner_client)), Passed)


def session_of(client: Client) -> dict:
    store = import_module(django_settings.SESSION_ENGINE).SessionStore
    return store(client.cookies[django_settings.SESSION_COOKIE_NAME].value).load()


def test_a_password_changed_elsewhere_is_left_to_the_view_with_the_session_untouched(
    middleware, owner_client, owner
):
    before = session_of(owner_client)
    owner.set_password("changed-in-another-browser")
    owner.save()

    assert isinstance(middleware(signed_in_request(owner_client)), Passed)
    # Ending the session is the full stack's job (it also answers the browser).
    assert session_of(owner_client) == before and before[SESSION_KEY] == str(owner.pk)

    response = owner_client.get(URL, {"since": since(), "idle": "1"}, headers=HTMX)
    assert response.status_code == 200 and response["HX-Refresh"] == "true"
    assert session_of(owner_client) == {}


def test_a_session_signed_with_a_fallback_secret_is_rotated_by_the_full_stack(settings, owner):
    settings.SECRET_KEY = "the-old-secret-" + "x" * 40
    browser = Client()
    browser.force_login(owner)
    old_key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "the-new-secret-" + "y" * 40, [settings.SECRET_KEY]
    middleware = IdlePollMiddleware(lambda request: Passed("the view"))

    assert isinstance(middleware(signed_in_request(browser)), Passed)
    assert session_of(browser)[SESSION_KEY] == str(owner.pk)  # not rotated behind the browser's back

    response = browser.get(URL, {"since": since(), "idle": "1"}, headers=HTMX)
    assert response.status_code == 204
    new_key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != old_key
    assert session_of(browser)[HASH_SESSION_KEY] == owner.get_session_auth_hash()
    # Now on the new secret, the middleware answers it.
    assert not isinstance(IdlePollMiddleware(lambda r: Passed())(signed_in_request(browser)), Passed)


def test_a_host_not_allowed_is_refused_by_the_full_stack(owner_client):
    query = {"since": since(), "idle": "1"}
    response = owner_client.get(URL, query, headers={**HTMX, "Host": "evil.example"})

    assert response.status_code == 400


def test_https_redirect_still_applies(settings, owner_client):
    settings.SECURE_SSL_REDIRECT = True

    response = owner_client.get(URL, {"since": since(), "idle": "1"}, headers=HTMX)

    assert response.status_code == 301 and response["Location"].startswith("https://")


def test_it_sits_right_after_the_security_middleware():
    stack = django_settings.MIDDLEWARE
    assert stack.index(MIDDLEWARE) == stack.index("django.middleware.security.SecurityMiddleware") + 1
    assert stack.index(MIDDLEWARE) < stack.index("django.contrib.sessions.middleware.SessionMiddleware")


@pytest.mark.parametrize("prefix", ["/studio/", "/my studio/"])
def test_under_a_script_prefix_it_still_finds_the_poll(db, owner_client, prefix):
    set_script_prefix(prefix)  # as WSGIHandler sets it from SCRIPT_NAME
    try:
        response = IdlePollMiddleware(rest_of_the_stack)(signed_in_request(owner_client))
    finally:
        set_script_prefix("/")

    assert not isinstance(response, Passed) and response.status_code == 204


def test_a_session_without_a_password_hash_goes_on_to_the_view(middleware, owner_client):
    store = import_module(django_settings.SESSION_ENGINE).SessionStore(
        owner_client.cookies[django_settings.SESSION_COOKIE_NAME].value
    )
    del store[HASH_SESSION_KEY]
    store.save()

    assert isinstance(middleware(signed_in_request(owner_client)), Passed)


def test_a_session_of_another_backend_goes_on_to_the_view(settings, owner):
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "django.contrib.auth.backends.ModelBackend",
    ]
    browser = Client()
    browser.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")

    assert isinstance(IdlePollMiddleware(rest_of_the_stack)(signed_in_request(browser)), Passed)


@pytest.mark.parametrize(
    "change",
    [
        {"SESSION_SAVE_EVERY_REQUEST": True},
        {"DISALLOWED_USER_AGENTS": [re.compile("curl")]},
        {
            "MIDDLEWARE": [
                *django_settings.MIDDLEWARE,
                "django.contrib.auth.middleware.LoginRequiredMiddleware",
            ]
        },
    ],
    ids=["sessions-renewed", "user-agents-refused", "unknown-middleware"],
)
def test_it_turns_itself_off_when_the_stack_after_it_would_change_the_answer(settings, change):
    for name, value in change.items():
        setattr(settings, name, value)

    with pytest.raises(MiddlewareNotUsed):
        IdlePollMiddleware(rest_of_the_stack)


# The same requests through the whole stack, with and without the middleware:
# the answers must not differ in anything but the work done to give them.
NOTHING_NEW = "/poll/?since={since}&idle=1"
SCENARIOS = {
    "idle, nothing new": (lambda owner: aged(make_generation(owner)), NOTHING_NEW),
    "head, nothing new": (lambda owner: aged(make_generation(owner)), "HEAD " + NOTHING_NEW),
    "idle, work under way": (
        lambda owner: aged(make_generation(owner, status=Status.PROCESSING)),
        NOTHING_NEW,
    ),
    "idle, just finished": (lambda owner: make_generation(owner), NOTHING_NEW),
    "signed out elsewhere": (lambda owner: (owner.set_password("changed"), owner.save()), NOTHING_NEW),
    "account disabled": (
        lambda owner: type(owner).objects.filter(pk=owner.pk).update(is_active=False),
        NOTHING_NEW,
    ),
    # The view reads request.GET: an encoded or repeated field counts there, and so it must here.
    "encoded idle after": (lambda owner: aged(make_generation(owner)), NOTHING_NEW + "&%69dle="),
    "encoded since after": (
        lambda owner: aged(make_generation(owner), 300),
        NOTHING_NEW + "&%73ince={an_hour_ago}",
    ),
    "too many fields": (lambda owner: aged(make_generation(owner)), NOTHING_NEW + "&a=1" * 1001),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_full_stack_answers_alike_with_or_without_it(settings, owner, scenario):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
    with_it, without_it = Client(), Client()  # each loads the middleware of its first request
    for browser in (with_it, without_it):
        browser.force_login(owner)
    setup, request = SCENARIOS[scenario]
    setup(owner)
    method, _, url = request.rpartition(" ")
    url = url.format(since=quote(since(30)), an_hour_ago=quote(since(3600)))

    def answer(browser: Client, middleware: list[str]):
        settings.MIDDLEWARE = middleware
        with CaptureQueriesContext(connection) as queries:
            response = browser.generic(method or "GET", url, headers=HTMX)
        # Everything the browser gets; only Content-Length, which a 204 must not carry, may differ.
        headers = {name: value for name, value in response.items() if name != "Content-Length"}
        cookies = sorted(response.cookies)  # names: a new CSRF cookie's value is random
        return (response.status_code, headers, cookies, strip_tokens(response.content.decode())), len(queries)

    full_stack = list(settings.MIDDLEWARE)
    facts_with, queries_with = answer(with_it, full_stack)
    facts_without, queries_without = answer(without_it, [name for name in full_stack if name != MIDDLEWARE])

    assert facts_with == facts_without
    # Only the one idle poll that brings news (or finds the session gone) reads twice.
    assert queries_with <= queries_without + (0 if "nothing new" in scenario else 1)


def strip_tokens(html: str) -> str:
    """Pages carry their own moments (`since`) and CSRF tokens: those may differ between two answers."""
    html = re.sub(r"since=[^&\"]+", "since=…", html)
    return re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', r"\1…", html)


def test_an_active_pollers_requests_cost_nothing_more(settings, owner_client, owner):
    aged(make_generation(owner, status=Status.PROCESSING))
    query = {"since": since()}  # a quick poller's URL has no idle=1
    owner_client.get(URL, query, headers=HTMX)
    with CaptureQueriesContext(connection) as with_it:
        owner_client.get(URL, query, headers=HTMX)

    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != MIDDLEWARE]
    browser = Client()
    browser.force_login(owner)
    browser.get(URL, query, headers=HTMX)
    with CaptureQueriesContext(connection) as without_it:
        browser.get(URL, query, headers=HTMX)

    assert len(with_it) == len(without_it) == 1
