"""The README's task API examples, run exactly as written, against a live studio with a real worker."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from PIL import Image

from grokstudio.api import callbacks
from grokstudio.api.models import ApiToken
from grokstudio.studio.models import Generation
from tests import queue
from tests.integration.drive import drive
from tests.receiver import Receiver

README = Path(django_settings.BASE_DIR) / "README.md"


def readme_block(name: str) -> str:
    """The fenced code block that follows `<!-- readme-test: name -->` in the README."""
    match = re.search(rf"<!-- readme-test: {name} -->\n```\w+\n(.*?)\n```", README.read_text(), re.S)
    assert match, f"the README has no block marked {name}"
    return match.group(1)


@pytest.fixture
def token(owner) -> str:
    return ApiToken.issue(owner, "readme")[1]


def run(command: list[str], cwd: Path, live_server, token: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "STUDIO": live_server.url, "TOKEN": token}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def workdir(tmp_path) -> Path:
    """An empty folder to run the examples in (tmp_path also holds the test's media)."""
    path = tmp_path / "script"
    path.mkdir()
    return path


def test_the_curl_example_makes_an_image_and_downloads_it(live_server, worker, token, owner, workdir):
    done = run(["bash", "-euo", "pipefail", "-c", readme_block("curl")], workdir, live_server, token)

    assert done.returncode == 0, done.stderr
    (saved,) = workdir.iterdir()
    generation = Generation.objects.get(user=owner)
    assert generation.status == "completed" and generation.prompt == "A lighthouse at dusk"
    assert saved.name == generation.outputs.get().download_name()
    with Image.open(saved) as image:
        assert image.width > image.height  # 16:9


def test_the_python_example_makes_an_image_and_saves_it(live_server, worker, token, owner, workdir):
    script = workdir / "example.py"
    script.write_text(readme_block("python"))

    done = run([sys.executable, str(script)], workdir, live_server, token)

    assert done.returncode == 0, done.stderr
    generation = Generation.objects.get(user=owner)
    asset = generation.outputs.get()
    assert done.stdout.startswith(f"saved task-{generation.pk}-{asset.pk}.")
    saved = workdir / done.stdout.split()[1]
    with Image.open(saved) as image:
        assert (image.width, image.height) == (asset.width, asset.height)


def test_the_signature_check_accepts_a_real_callback_and_nothing_else(
    transactional_db, owner, xai, settings, django_capture_on_commit_callbacks
):
    namespace: dict = {}
    exec(readme_block("verify"), namespace)  # the README's own snippet
    is_from_the_studio = namespace["is_from_the_studio"]
    settings.STUDIO_API_CALLBACK_HOSTS = ["127.0.0.1"]
    settings.STUDIO_API_CALLBACK_PRIVATE_NETWORKS = ["127.0.0.1/32"]
    token, secret = ApiToken.issue(owner, "hooks")
    api = Client(headers={"Authorization": f"Bearer {secret}"})

    with Receiver() as receiver:
        body = {"prompt": "x", "callBackUrl": receiver.url("/hook")}
        task = api.post("/xai/images", body, content_type="application/json").json()
        queue.clear()
        with django_capture_on_commit_callbacks(execute=True):
            drive(Generation.objects.get(pk=int(task["taskId"])))
        for queued in queue.queued():
            if queued["func"] == "grokstudio.api.callbacks.deliver":
                callbacks.deliver(*queued["args"])
        (delivery,) = receiver.wait_for(1)

    signature = delivery.headers["X-Studio-Signature"]
    assert is_from_the_studio(delivery.body, signature, token.signing_secret)
    assert not is_from_the_studio(delivery.body.replace(b"completed", b"cancelled"), signature,
                                  token.signing_secret)  # fmt: skip
    assert not is_from_the_studio(delivery.body, signature, ApiToken.issue(owner, "other")[0].signing_secret)
    assert json.loads(delivery.body)["status"] == "completed"
