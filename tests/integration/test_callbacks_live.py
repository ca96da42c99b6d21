"""A callback sent by a real worker cluster, with nothing in the test doing the worker's part."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
import requests

from grokstudio.api.models import ApiToken, Callback
from tests.receiver import Receiver


@pytest.fixture
def worker_env() -> dict[str, str]:
    return {"STUDIO_API_CALLBACK_HOSTS": "127.0.0.1", "STUDIO_API_CALLBACK_PRIVATE_NETWORKS": "127.0.0.1/32"}


def test_a_worker_posts_the_signed_callback_when_the_task_ends(live_server, worker, owner, settings):
    settings.STUDIO_API_CALLBACK_HOSTS = ["127.0.0.1"]
    settings.STUDIO_API_CALLBACK_PRIVATE_NETWORKS = ["127.0.0.1/32"]
    token, secret = ApiToken.issue(owner, "hooks")

    with Receiver() as receiver:
        task = requests.post(
            f"{live_server.url}/xai/images", json={"prompt": "A kite", "callBackUrl": receiver.url("/done")},
            headers={"Authorization": f"Bearer {secret}"}, timeout=30,
        ).json()  # fmt: skip
        (delivery,) = receiver.wait_for(1, timeout_s=60)

    sent = json.loads(delivery.body)
    assert sent["taskId"] == task["taskId"] and sent["status"] == "completed" and sent["results"]
    assert sent["results"][0]["url"].startswith(live_server.url)
    expected = "sha256=" + hmac.new(token.signing_secret.encode(), delivery.body, hashlib.sha256).hexdigest()
    assert delivery.headers["X-Studio-Signature"] == expected
    # The worker records the delivery once the receiver's answer is in.
    deadline = time.monotonic() + 10
    while Callback.objects.get().state != Callback.State.DELIVERED and time.monotonic() < deadline:
        time.sleep(0.1)
    callback = Callback.objects.get()
    assert callback.state == Callback.State.DELIVERED and callback.attempts == 1
