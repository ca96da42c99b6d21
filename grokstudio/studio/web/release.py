"""What this process runs, as a short hash: cached markup (the gallery's `{% cache %}` fragments)
is keyed on it, so a new release never serves an older one's cards."""

from __future__ import annotations

import hashlib
from functools import cache as once
from pathlib import Path

import django
from django.conf import settings
from django.utils.autoreload import file_changed

import grokstudio


@once
def release() -> str:
    """Django's version and every file of the studio's code and templates (name, size, time
    changed)."""
    digest = hashlib.sha256(django.__version__.encode())
    for root in (Path(grokstudio.__file__).parent, Path(settings.BASE_DIR) / "templates"):
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".html"):
                stat = path.stat()
                digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def _forget_release(**kwargs) -> None:
    # runserver reloads templates without a restart: an edited card is not served from before.
    release.cache_clear()


file_changed.connect(_forget_release, dispatch_uid="studio-release")
