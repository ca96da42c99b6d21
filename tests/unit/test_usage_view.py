"""GET /usage/: one's own generations counted by day and by month, with the cost xAI reported."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from grokstudio.studio.models import PromptHelp, Status
from tests.factories import make_generation

URL = "/usage/"
TICKS_PER_USD = 10**10


def at(day: str, time: str = "12:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=UTC)


def table(response, title: str) -> list[tuple[str, ...]]:
    """The rows of one table: period, images, videos, prompt help, completed, failed, cost."""
    section = response.text.split(f"<h2>{title}</h2>", 1)[1].split("<h2>", 1)[0]
    cells = r"<td>(\d+)</td>" * 5
    return re.findall(rf'<tr><th scope="row">(.*?)</th>{cells}<td>(.*?)</td></tr>', section)


def made(
    user, when: datetime, *, kind: str = "image", status: str = Status.COMPLETED, usd: float | None = None
):
    ticks = None if usd is None else round(usd * TICKS_PER_USD)
    return make_generation(user, kind=kind, status=status, outputs=0, created_at=when, cost_usd_ticks=ticks)


def test_it_requires_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_it_refuses_post(owner_client):
    assert owner_client.post(URL).status_code == 405


def test_it_counts_and_sums_the_users_own_generations_by_day_and_month(owner_client, owner, stranger):
    made(owner, at("2025-03-10", "00:10"), kind="video", usd=0.12)
    made(owner, at("2025-03-10"), usd=0.02)
    made(owner, at("2025-03-10", "23:59"), status=Status.FAILED)
    made(owner, at("2025-03-12"), status=Status.TIMEOUT)
    made(owner, at("2025-03-12"), status=Status.CANCELLED)
    made(owner, at("2025-04-02"), kind="video", usd=0.45)
    made(owner, at("2025-04-02"), usd=0.03)
    made(owner, at("2025-04-02"), status=Status.PENDING)
    # Someone else's spending on the same days is none of the owner's business.
    made(stranger, at("2025-03-10"), usd=9.99)
    made(stranger, at("2025-04-02"), kind="video", status=Status.FAILED)
    made(stranger, at("2025-05-01"), usd=7.77)

    response = owner_client.get(URL)

    assert response.status_code == 200
    assert table(response, "Days") == [
        ("Wed 2 Apr 2025", "2", "1", "0", "2", "0", "$0.48"),
        ("Wed 12 Mar 2025", "2", "0", "0", "0", "1", "$0.00"),
        ("Mon 10 Mar 2025", "2", "1", "0", "2", "1", "$0.14"),
    ]
    assert table(response, "Months") == [
        ("April 2025", "2", "1", "0", "2", "0", "$0.48"),
        ("March 2025", "4", "1", "0", "2", "2", "$0.14"),
    ]
    assert "9.99" not in response.text
    assert "May 2025" not in response.text


def test_a_tick_is_a_ten_billionth_of_a_dollar(owner_client, owner):
    for _ in range(3):
        make_generation(owner, outputs=0, created_at=at("2025-06-01"), cost_usd_ticks=12_345_678_900)

    response = owner_client.get(URL)

    assert table(response, "Days")[0][-1] == "$3.70"
    assert table(response, "Months")[0][-1] == "$3.70"


def test_a_user_with_nothing_yet_is_told_so(owner_client, owner, stranger):
    made(stranger, at("2025-03-10"), usd=1.0)

    response = owner_client.get(URL)

    assert response.text.count("Nothing yet.") == 2
    assert table(response, "Days") == []


def helped(user, when: datetime, usd: float | None):
    help = PromptHelp.objects.create(user=user, kind="improve", prompt="a cat")
    ticks = None if usd is None else round(usd * TICKS_PER_USD)
    PromptHelp.objects.filter(pk=help.pk).update(created_at=when, cost_usd_ticks=ticks)


def test_prompt_help_is_counted_and_its_cost_is_part_of_the_total(owner_client, owner, stranger):
    made(owner, at("2025-03-10"), usd=0.02)
    helped(owner, at("2025-03-10"), usd=0.0021)
    helped(owner, at("2025-03-11"), usd=0.0031)
    helped(owner, at("2025-03-11"), usd=None)  # still asking, or failed before a cost
    helped(stranger, at("2025-03-10"), usd=5.0)

    response = owner_client.get(URL)

    assert table(response, "Days") == [
        ("Tue 11 Mar 2025", "0", "0", "2", "0", "0", "$0.00"),
        ("Mon 10 Mar 2025", "1", "0", "1", "1", "0", "$0.02"),
    ]
    assert table(response, "Months") == [("March 2025", "1", "0", "3", "1", "0", "$0.03")]
