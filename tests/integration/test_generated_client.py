"""A Python client generated from the live published schema, by the README's own command, runs the
README's flow: two images made and downloaded, the task listed, a video started and cancelled."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import time
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from grokstudio.api.models import ApiToken
from tests.integration.test_readme_api import readme_block

ENDED = ("completed", "failed", "cancelled", "timeout")
PACKAGE = "grok_studio_task_api_client"


@pytest.fixture
def generated_client(live_server, tmp_path, monkeypatch):
    """The package the README's command makes from /xai/openapi.json, imported."""
    # The venv has openapi-python-client already (a dev dependency): the command is the second line.
    install, generate = readme_block("client").splitlines()
    assert install == "pip install openapi-python-client"
    bin_dir = Path(sys.executable).parent
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", generate],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "STUDIO": live_server.url, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"},
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "warning" not in output.lower() and "error" not in output.lower(), output
    monkeypatch.syspath_prepend(str(tmp_path / PACKAGE.replace("_", "-")))
    importlib.invalidate_caches()
    return importlib.import_module(PACKAGE)


def test_a_generated_client_makes_two_images_and_downloads_them(generated_client, live_server, worker, owner):
    from grok_studio_task_api_client.api.files import download_result
    from grok_studio_task_api_client.api.images import create_image_task
    from grok_studio_task_api_client.api.tasks import cancel_task, get_task, list_tasks
    from grok_studio_task_api_client.api.videos import create_video_task
    from grok_studio_task_api_client.models import ImageTaskIn, ListTasksKind, VideoTaskIn

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

    page = list_tasks.sync(client=client, kind=ListTasksKind.IMAGE, limit=5)
    assert [listed.task_id for listed in page.tasks] == [task.task_id]

    video = create_video_task.sync(
        client=client, body=VideoTaskIn(prompt="Waves under a lighthouse", duration=6)
    )
    assert cancel_task.sync(task_id=video.task_id, client=client).status == "cancelled"
