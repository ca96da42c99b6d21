"""GET /poll/ is sent by every open gallery every few seconds: an idle answer must stay cheap."""

from __future__ import annotations

import re
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grokstudio.studio.models import Generation, Status
from tests.factories import make_generation

URL = "/poll/"
HTMX = {"HX-Request": "true"}


def age(generation: Generation, seconds: float) -> None:
    # updated_at is auto_now: only an UPDATE can set it in the past.
    Generation.objects.filter(pk=generation.pk).update(updated_at=timezone.now() - timedelta(seconds=seconds))


def since(seconds_ago: float) -> str:
    return (timezone.now() - timedelta(seconds=seconds_ago)).isoformat()


def test_an_idle_poll_costs_two_queries_at_most(owner_client, owner):
    for _ in range(5):
        age(make_generation(owner, outputs=2), 600)
    owner_client.get(URL, {"since": since(5)}, headers=HTMX)  # the session is now cached

    with CaptureQueriesContext(connection) as queries:
        response = owner_client.get(URL, {"since": since(5)}, headers=HTMX)

    assert response.status_code == 200 and 'data-polling="idle"' in response.text
    assert not re.search(r"<article ", response.text)
    assert len(queries) <= 2, [q["sql"] for q in queries]


def test_an_idle_poll_while_work_is_under_way_costs_the_same(owner_client, owner):
    for status in (Status.PENDING, Status.PROCESSING, Status.COMPLETED):
        age(make_generation(owner, status=status), 600)
    owner_client.get(URL, {"since": since(5)}, headers=HTMX)

    with CaptureQueriesContext(connection) as queries:
        response = owner_client.get(URL, {"since": since(5)}, headers=HTMX)

    assert response.status_code == 200  # keep polling: something is at work
    assert not re.search(r"<article ", response.text)
    assert len(queries) <= 2, [q["sql"] for q in queries]


def test_a_row_changed_since_the_last_poll_comes_back_as_an_out_of_band_card(owner_client, owner, stranger):
    unchanged = make_generation(owner, prompt="An old lighthouse")
    age(unchanged, 600)
    changed = make_generation(owner, prompt="A fox, just finished", outputs=2)
    theirs = make_generation(stranger, prompt="Someone else's fox")
    owner_client.get(URL, {"since": since(5)}, headers=HTMX)

    with CaptureQueriesContext(connection) as queries:
        response = owner_client.get(URL, {"since": since(60)}, headers=HTMX)

    assert 'data-polling="idle"' in response.text  # it finished, so nothing is left to wait for
    card = re.search(rf'<article id="gen-{changed.pk}"[^>]*>', response.text).group(0)
    assert 'hx-swap-oob="true"' in card
    assert 'data-status="completed"' in card
    for asset in changed.outputs.all():
        assert f'src="/a/{asset.pk}/thumb"' in response.text
    assert f'id="gen-{unchanged.pk}"' not in response.text
    assert f'id="gen-{theirs.pk}"' not in response.text
    # The changed cards and their outputs: two more queries, whatever their number.
    assert len(queries) <= 4, [q["sql"] for q in queries]


def test_an_idle_poll_with_nothing_new_reads_the_user_and_the_poll_and_no_session_row(owner_client, owner):
    for _ in range(40):
        age(make_generation(owner, outputs=0), 600)
    owner_client.get(URL, {"since": since(5)}, headers=HTMX)

    with CaptureQueriesContext(connection) as queries:
        response = owner_client.get(URL, {"since": since(5), "idle": "1"}, headers=HTMX)

    assert response.status_code == 204
    sql = [q["sql"] for q in queries]
    # The session comes from the cache; the user and the poll's rows are one query each.
    assert len(sql) == 2, sql
    assert "auth_user" in sql[0] and "studio_generation" in sql[1]
    assert not any("django_session" in q for q in sql)


def test_the_poll_finds_only_the_users_own_work(owner_client, owner, stranger):
    mine = make_generation(owner, status=Status.PROCESSING, outputs=0)
    make_generation(stranger, status=Status.PENDING, outputs=0)

    response = owner_client.get(URL, {"since": since(60)}, headers=HTMX)

    assert 'data-polling="active"' in response.text
    assert re.findall(r'<article id="gen-(\d+)"', response.text) == [str(mine.pk)]
