"""Monthly budgets: what is left shows on the create form, and a request that would go over is refused."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from grokstudio.accounts.models import Budget
from grokstudio.studio import budgets
from grokstudio.studio.models import Asset, Generation, Status
from tests.factories import make_generation

IMAGE = {"prompt": "A red fox at dawn", "model": "grok-imagine-image", "aspect_ratio": "1:1",
         "resolution": "1k", "n": "1"}  # fmt: skip
VIDEO = {"kind": "video", "mode": "text", "prompt": "Waves at night", "model": "grok-imagine-video",
         "duration": "8", "aspect_ratio": "16:9", "resolution": "480p", "audio": "on"}  # fmt: skip
TICKS = 10_000_000_000


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text)))


@pytest.fixture
def default_budget(settings):
    settings.STUDIO_MONTHLY_BUDGET_USD = 1.0
    return settings


def test_without_a_limit_the_create_form_says_nothing_about_money(owner_client):
    response = owner_client.get("/")

    assert 'id="budget"' not in response.text
    assert budgets.remaining_usd(response.wsgi_request.user) is None


@pytest.mark.parametrize("form", ["/", "/?kind=video"])
def test_the_create_form_shows_what_is_left_of_the_default_budget(owner_client, owner, default_budget, form):
    make_generation(owner, cost_usd_ticks=25 * TICKS // 100)

    assert "$0.75 of $1.00 left this month" in text(owner_client.get(form))


def test_costs_of_earlier_months_do_not_count(owner_client, owner, default_budget):
    make_generation(owner, cost_usd_ticks=90 * TICKS // 100, created_at=timezone.now() - timedelta(days=40))

    assert "$1.00 of $1.00 left this month" in text(owner_client.get("/"))


def test_another_users_spending_does_not_count(owner_client, stranger, default_budget):
    make_generation(stranger, cost_usd_ticks=90 * TICKS // 100)

    assert "$1.00 of $1.00 left this month" in text(owner_client.get("/"))


def test_work_in_progress_counts_at_its_estimate(owner, default_budget):
    make_generation(owner, kind="video", status=Status.PROCESSING, model="grok-imagine-video",
                    params={"mode": "text", "n": 1, "duration": 10})  # fmt: skip

    # Ten seconds at $0.05 a second, not reported yet.
    assert budgets.remaining_usd(owner) == Decimal("0.50")


def test_a_request_over_what_is_left_is_refused_with_what_is_left_and_stores_nothing(
    owner_client, owner, default_budget, media_root
):
    make_generation(owner, cost_usd_ticks=95 * TICKS // 100)
    before = (Generation.objects.count(), Asset.objects.count())

    response = owner_client.post("/generate/", {**IMAGE, "n": "4"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    message = text(response)
    assert "This would cost about $0.08 and you have $0.05 left of your monthly budget" in message
    assert (Generation.objects.count(), Asset.objects.count()) == before


def test_a_request_that_fits_is_accepted_and_the_form_shows_the_new_remainder(
    owner_client, owner, default_budget
):
    response = owner_client.post("/generate/", {**IMAGE, "n": "2"}, headers={"HX-Request": "true"})

    assert Generation.objects.filter(user=owner).count() == 1
    # Its estimate ($0.04) is held until xAI reports the real cost.
    assert "$0.96 of $1.00 left this month" in text(response)


def test_a_video_is_estimated_by_its_length(owner_client, owner, default_budget):
    make_generation(owner, cost_usd_ticks=70 * TICKS // 100)

    refused = owner_client.post("/generate/", VIDEO, headers={"HX-Request": "true"})
    assert "This would cost about $0.40 and you have $0.30 left" in text(refused)
    accepted = owner_client.post("/generate/", {**VIDEO, "duration": "6"}, headers={"HX-Request": "true"})
    assert accepted.status_code == 200
    assert Generation.objects.filter(user=owner, kind="video").count() == 1


def test_an_administrator_sets_a_persons_own_budget_over_the_default(owner_client, owner, default_budget):
    make_generation(owner, cost_usd_ticks=95 * TICKS // 100)
    Budget.objects.update_or_create(user=owner, defaults={"monthly_usd": Decimal("20")})

    owner_client.post("/generate/", {**IMAGE, "n": "4"}, headers={"HX-Request": "true"})

    assert Generation.objects.filter(user=owner, status=Status.PENDING).count() == 1
    assert "$18.97 of $20.00 left this month" in text(owner_client.get("/"))


def test_reroll_over_budget_is_refused_with_a_message(owner_client, owner, default_budget):
    done = make_generation(owner, cost_usd_ticks=99 * TICKS // 100)

    response = owner_client.post(f"/g/{done.pk}/reroll", follow=True)

    assert Generation.objects.filter(user=owner).count() == 1
    assert "you have $0.01 left of your monthly budget" in text(response)


def test_the_admin_edits_a_persons_budget_on_their_user_page(client, owner):
    admin = get_user_model().objects.create_superuser("boss", password="a-long-test-password")
    client.force_login(admin)

    response = client.get(f"/admin/auth/user/{owner.pk}/change/")

    assert response.status_code == 200
    assert "Monthly budget (USD)" in response.text
