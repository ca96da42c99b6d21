"""Settings come from the environment: production safety when not debugging, Redis when REDIS_URL is set."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

SECRET = "a-production-secret-key-that-is-long-and-random-0123456789abcdef"


def run(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_", "DATABASE_"))
    }
    environment.update(env, STUDIO_VAR_DIR=str(settings.VAR_DIR / "settings-test"))
    argv = code.split() if code.startswith("manage.py") else ["-c", code]
    return subprocess.run(
        [sys.executable, *argv],
        cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def settings_of(**env: str) -> dict:
    code = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'grokstudio.settings'; "
        "from django.conf import settings as s; "
        "print(json.dumps({'debug': s.DEBUG, 'caches': s.CACHES, 'q': s.Q_CLUSTER, "
        "'proxy': getattr(s, 'SECURE_PROXY_SSL_HEADER', None), 'hosts': s.ALLOWED_HOSTS}))"
    )
    result = run(code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_deploy_checks_pass_with_debug_off_a_secret_key_hosts_closed_sign_up_and_a_budget():
    result = run(
        "manage.py check --deploy --fail-level WARNING",
        DJANGO_DEBUG="false", DJANGO_SECRET_KEY=SECRET, DJANGO_ALLOWED_HOSTS="studio.example.com",
        STUDIO_ALLOW_SIGNUP="false", STUDIO_MONTHLY_BUDGET_USD="50",
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_checks_warn_of_open_sign_up_and_no_budget():
    result = run(
        "manage.py check --deploy",
        DJANGO_DEBUG="false", DJANGO_SECRET_KEY=SECRET, DJANGO_ALLOWED_HOSTS="studio.example.com",
        STUDIO_ALLOW_SIGNUP="true",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "grokstudio.W001" in result.stderr and "grokstudio.W002" in result.stderr


def test_without_a_secret_key_production_refuses_to_start():
    result = run("manage.py check", DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="studio.example.com")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_the_proxy_header_is_trusted_only_when_asked():
    assert settings_of()["proxy"] is None
    assert settings_of(DJANGO_SECURE_PROXY_SSL_HEADER="true")["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_by_default_the_database_is_the_broker_and_the_cache_needs_no_server():
    values = settings_of()

    assert values["q"]["orm"] == "default" and "redis" not in values["q"]
    # Shared by every process on the machine (the broker's reports, sessions), and not
    # the database: a session read from it would be a query on every request.
    assert list(values["caches"]) == ["default"]
    assert values["caches"]["default"]["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"


def test_redis_url_makes_redis_the_broker_and_the_cache():
    values = settings_of(REDIS_URL="redis://cache.internal:6379/2")

    assert values["q"]["redis"] == "redis://cache.internal:6379/2" and "orm" not in values["q"]
    assert values["caches"] == {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://cache.internal:6379/2",
        }
    }


def test_allowed_hosts_come_from_the_environment():
    assert settings_of(DJANGO_ALLOWED_HOSTS="a.example.com,b.example.com")["hosts"] == [
        "a.example.com", "b.example.com",
    ]  # fmt: skip


def test_every_middleware_is_djangos_whitenoises_django_htmxs_or_one_that_never_answers_before_the_view():
    # Requests take one path, Django's: no layer of our own answers before sessions and auth.
    # django-csp only adds a header to the answer; allauth's is what allauth requires (its
    # flows' state); ours only have Django read form data as UTF-8, after auth, and turn a
    # view's redirect to sign-in into a reload of the page when htmx asked, after the view.
    others = [
        name
        for name in settings.MIDDLEWARE
        if name.split(".")[0] not in {"django", "whitenoise", "django_htmx"}
    ]
    assert others == [
        "csp.middleware.CSPMiddleware",
        "grokstudio.charset.utf8_requests",
        "allauth.account.middleware.AccountMiddleware",
        "grokstudio.signed_out.reload_into_sign_in",
    ]
    assert settings.MIDDLEWARE[-1] == "grokstudio.signed_out.reload_into_sign_in"  # sees request.htmx
    auth = settings.MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    assert settings.MIDDLEWARE.index("grokstudio.charset.utf8_requests") > auth
