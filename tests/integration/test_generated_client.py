"""A Python client generated from the live published schema runs the README's flow."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import time
import urllib.request
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from PIL import Image

from grokstudio.api.models import ApiToken

CONFIG = Path(django_settings.BASE_DIR) / "grokstudio" / "api" / "openapi-python-client.yaml"
ENDED = ("completed", "failed", "cancelled", "timeout")


@pytest.fixture
def generated_client(live_server, tmp_path, monkeypatch):
    """The package openapi-python-client makes from /xai/openapi.json, imported."""
    schema = tmp_path / "openapi.json"
    with urllib.request.urlopen(f"{live_server.url}/xai/openapi.json") as answer:
        schema.write_bytes(answer.read())
    bin_dir = Path(sys.executable).parent
    done = subprocess.run(
        [str(bin_dir / "openapi-python-client"), "generate", "--path", str(schema), "--meta", "none",
         "--output-path", str(tmp_path / "studio_client"), "--config", str(CONFIG)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"},  # its ruff post-hook
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "warning" not in output.lower() and "error" not in output.lower(), output
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    return importlib.import_module("studio_client")


def test_a_generated_client_makes_two_images_and_downloads_them(generated_client, live_server, worker, owner):
    from studio_client.api.files import download_result
    from studio_client.api.images import create_image_task
    from studio_client.api.tasks import get_task
    from studio_client.models import ImageTaskIn

    client = generated_client.AuthenticatedClient(
        base_url=live_server.url, token=ApiToken.issue(owner, "client")[1], raise_on_unexpected_status=True
    )

    task = create_image_task.sync(client=client, body=ImageTaskIn(prompt="A lighthouse at dusk", n=2))
    deadline = time.monotonic() + 60
    while task.status not in ENDED and time.monotonic() < deadline:
        time.sleep(0.5)
        task = get_task.sync(task_id=task.task_id, client=client)

    assert task.status == "completed", json.dumps(task.to_dict())
    assert len(task.results) == 2
    for result in task.results:
        file = download_result.sync(asset_id=result.asset_id, client=client)
        with Image.open(BytesIO(file.payload.read())) as image:
            assert (image.width, image.height) == (result.width, result.height)
