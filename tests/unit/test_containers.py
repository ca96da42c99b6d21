"""The container files agree with each other and with the studio (no Docker engine runs here)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_runs_web_worker_migrations_postgres_redis_and_nginx():
    services = compose()["services"]

    assert {"web", "worker", "migrate", "postgres", "redis", "nginx"} <= set(services)
    assert [services[name]["command"] for name in ("web", "worker", "migrate")] == [
        ["web"],
        ["worker"],
        ["migrate"],
    ]
    assert services["web"]["image"] == services["worker"]["image"] == services["migrate"]["image"]


def test_the_studio_uses_postgres_redis_and_nginx_accel_in_compose():
    env = compose()["services"]["web"]["environment"]

    assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:")
    nginx = (ROOT / "docker" / "nginx.conf").read_text()
    prefix = env["STUDIO_ACCEL_REDIRECT_PREFIX"]
    internal = re.search(r"location (\S+) \{\s*internal;\s*alias (\S+);", nginx)
    assert internal and internal.group(1) == prefix
    # nginx reads media from where the studio writes it: the same volume, mounted alike.
    media = "/var/lib/grokstudio/media"
    assert internal.group(2).rstrip("/") == media
    assert f"media:{media}" in compose()["services"]["web"]["volumes"]
    assert f"media:{media}:ro" in compose()["services"]["nginx"]["volumes"]


def test_the_image_is_multi_stage_runs_as_a_user_and_enters_through_the_tested_script():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert len(re.findall(r"^FROM python:3\.11-slim", dockerfile, re.M)) == 2
    assert "collectstatic" in dockerfile
    assert re.search(r"^USER studio$", dockerfile, re.M)
    assert 'ENTRYPOINT ["/app/docker/entrypoint.sh"]' in dockerfile
    assert (ROOT / "docker" / "entrypoint.sh").stat().st_mode & 0o111
