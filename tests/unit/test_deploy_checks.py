"""`manage.py check --deploy` warns when anyone may sign up, and when no budget limits spending."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.checks import run_checks
from django.core.management import call_command


def deploy_warnings() -> set[str]:
    return {m.id for m in run_checks(include_deployment_checks=True) if m.id.startswith("grokstudio.")}


@pytest.fixture
def guarded(settings):
    """A studio closed to strangers, with a budget: nothing to warn about."""
    settings.STUDIO_ALLOW_SIGNUP = False
    settings.STUDIO_MONTHLY_BUDGET_USD = 50.0
    return settings


def test_a_closed_studio_with_a_budget_gets_no_warning(guarded):
    assert deploy_warnings() == set()


def test_open_sign_up_without_a_domain_limit_warns(guarded):
    guarded.STUDIO_ALLOW_SIGNUP = True
    guarded.STUDIO_SIGNUP_DOMAINS = []

    assert deploy_warnings() == {"grokstudio.W001"}


def test_open_sign_up_warns_when_the_domain_setting_does_not_exist(guarded):
    guarded.STUDIO_ALLOW_SIGNUP = True
    if hasattr(guarded, "STUDIO_SIGNUP_DOMAINS"):
        del guarded.STUDIO_SIGNUP_DOMAINS

    assert deploy_warnings() == {"grokstudio.W001"}


def test_sign_up_limited_to_the_teams_domains_does_not_warn(guarded):
    guarded.STUDIO_ALLOW_SIGNUP = True
    guarded.STUDIO_SIGNUP_DOMAINS = ["example.com"]

    assert deploy_warnings() == set()


def test_without_a_default_budget_it_warns(guarded):
    guarded.STUDIO_MONTHLY_BUDGET_USD = None

    assert deploy_warnings() == {"grokstudio.W002"}


def test_a_budget_of_zero_is_a_budget(guarded):
    guarded.STUDIO_MONTHLY_BUDGET_USD = 0.0

    assert deploy_warnings() == set()


def test_the_warnings_come_only_with_deploy(settings):
    settings.STUDIO_ALLOW_SIGNUP = True
    settings.STUDIO_MONTHLY_BUDGET_USD = None

    assert not [m for m in run_checks() if m.id.startswith("grokstudio.")]


def test_check_deploy_says_what_to_set(settings, monkeypatch):
    # Browser tests in the same run allow Django's async-unsafe calls, which deploy checks refuse.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    settings.STUDIO_ALLOW_SIGNUP = True
    settings.STUDIO_MONTHLY_BUDGET_USD = None
    out = StringIO()

    call_command("check", deploy=True, stdout=out, stderr=out)

    report = out.getvalue()
    assert "(grokstudio.W001) Sign-up is open" in report
    assert "STUDIO_ALLOW_SIGNUP=false" in report and "STUDIO_SIGNUP_DOMAINS" in report
    assert "(grokstudio.W002) No monthly budget applies" in report
    assert "Set STUDIO_MONTHLY_BUDGET_USD" in report
