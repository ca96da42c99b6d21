"""What a real `manage.py qcluster` started by a test needs: the test database and the emulator."""

from __future__ import annotations

import os

from django.db import connection


def cluster_env(settings, **extra: str) -> dict[str, str]:
    """The environment for a worker cluster on this test's database, media and emulator."""
    database = connection.settings_dict
    if database["ENGINE"].endswith("sqlite3"):
        database_url = f"sqlite:///{database['NAME']}"
    else:
        database_url = (
            f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST'] or 'localhost'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        )
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "STUDIO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "XAI_API_KEY": settings.XAI_API_KEY,
        "XAI_API_HOST": settings.XAI_API_HOST,
        "STUDIO_RETRY_BASE_DELAY_S": "0.1",
        "STUDIO_XAI_IMAGE_RPS": str(settings.STUDIO_XAI_IMAGE_RPS),
        "STUDIO_XAI_VIDEO_RPS": str(settings.STUDIO_XAI_VIDEO_RPS),
        **extra,
    }
