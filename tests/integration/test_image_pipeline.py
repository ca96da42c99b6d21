"""The image pipeline end to end: real task code, real xai-sdk, the running emulator.

Nothing here is mocked: each test submits through the service the views use,
runs what the workers run (`drive`: the poller, which sends the call, then the
download task), and reads what the emulator received. The poller sends calls
from its own threads, each with its own database connection: these tests commit.
"""

from __future__ import annotations

import io
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from grokstudio.studio import services
from grokstudio.studio.generation import tasks
from grokstudio.studio.media.images import check_reference
from grokstudio.studio.models import Asset, Generation, Status
from tests import queue
from tests.factories import make_image
from tests.integration.drive import drive

pytestmark = pytest.mark.django_db(transaction=True)


def submit(user, prompt="a lighthouse at dusk", *, n=1, aspect_ratio="1:1", resolution="1k", references=()):
    return services.submit_image_generation(
        user,
        {
            "prompt": prompt,
            "model": "grok-imagine-image",
            "aspect_ratio": aspect_ratio,
            "resolution": resolution,
            "n": n,
            "references": [check_reference(data) for data in references],
        },
    )


def calls_once_recorded(emulator, method: str, within_s: float) -> list[dict]:
    """The emulator records a call when it answers, which can be after the client gave up."""
    deadline = time.monotonic() + within_s
    while not (calls := emulator.calls(method)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return calls


def run(generation: Generation) -> Generation:
    return drive(generation)


def test_text_to_image_stores_every_result_with_a_thumbnail(owner, xai):
    generation = run(submit(owner, n=3, aspect_ratio="16:9"))

    assert generation.status == Status.COMPLETED, generation.message
    assert generation.cost_usd_ticks and generation.cost_usd_ticks > 0
    outputs = list(generation.outputs.order_by("index"))
    assert [a.index for a in outputs] == [0, 1, 2]
    for asset in outputs:
        with asset.file.open("rb") as f:
            image = Image.open(io.BytesIO(f.read()))
            image.load()
        assert image.width > image.height  # 16:9 honoured
        assert (asset.width, asset.height) == image.size
        with asset.thumbnail.open("rb") as f:
            thumb = Image.open(io.BytesIO(f.read()))
        assert thumb.format == "WEBP" and max(thumb.size) <= 512
    calls = xai.calls("GenerateImage")
    assert len(calls) == 1
    assert calls[0]["request"]["n"] == 3


def test_one_reference_is_sent_as_a_data_uri_edit(owner, xai):
    generation = run(submit(owner, "make it blue", references=[make_image("PNG", (80, 40))]))

    assert generation.status == Status.COMPLETED, generation.message
    request = xai.calls("GenerateImage")[0]["request"]
    assert request["image"]["image_url"].startswith("data:image/png;base64,")
    assert "images" not in request or not request["images"]


def test_several_references_are_sent_as_a_multi_image_edit(owner, xai):
    refs = [make_image("PNG"), make_image("JPEG", color=(10, 200, 10)), make_image("WEBP")]
    generation = run(submit(owner, "combine them", references=refs))

    assert generation.status == Status.COMPLETED, generation.message
    request = xai.calls("GenerateImage")[0]["request"]
    assert len(request["images"]) == 3
    assert all(img["image_url"].startswith("data:image/") for img in request["images"])


def test_running_the_task_twice_stores_each_result_once(owner, xai):
    generation = submit(owner, n=2)
    run(generation)
    run(generation)

    assert Asset.objects.filter(generation=generation, role=Asset.Role.OUTPUT).count() == 2
    assert len(xai.calls("GenerateImage")) == 1


def test_moderation_ends_in_a_final_failure_that_says_so(owner, xai):
    generation = run(submit(owner, "[fault:moderation] something forbidden"))

    assert generation.status == Status.FAILED
    assert generation.error_code == "moderated"
    assert "moderation" in generation.message
    assert not generation.outputs.exists()
    assert len(xai.calls("GenerateImage")) == 1


def test_images_withheld_by_moderation_are_told_to_the_open_gallery_while_the_rest_download(
    owner, owner_client, xai
):
    # The two images that pass drip in slowly, so the gallery polls while they download.
    generation = submit(owner, "a beach [fault:moderation:1] [fault:url_slow:20000]", n=3)
    since = timezone.now().isoformat()  # the open gallery's last poll
    worker = threading.Thread(target=run, args=(generation,))
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while Generation.objects.get(pk=generation.pk).status != Status.DOWNLOADING:
            assert time.monotonic() < deadline, "the batch never reached downloading"
            time.sleep(0.05)
        card = owner_client.get("/poll/", {"since": since}, headers={"HX-Request": "true"}).text
    finally:
        worker.join()

    assert f'id="gen-{generation.pk}"' in card
    assert "1 of 3 images" in card and "moderation" in card
    generation.refresh_from_db()
    assert generation.status == Status.COMPLETED, generation.message
    assert sorted(generation.outputs.values_list("index", flat=True)) == [1, 2]
    assert "1 of 3 images" in generation.message


@pytest.mark.parametrize(
    ("n", "said"),
    [(1, "The image was blocked"), (4, "All 4 images were blocked")],
)
def test_the_moderation_message_counts_in_good_english(owner, xai, n, said):
    generation = run(submit(owner, "[fault:moderation] something forbidden", n=n))

    assert generation.message.startswith(said), generation.message


def test_invalid_argument_fails_at_once_without_retrying(owner, xai):
    xai.add_fault("GenerateImage", "invalid_argument", times=1)
    generation = run(submit(owner))

    assert generation.status == Status.FAILED
    assert generation.error_code == "invalid_argument"
    assert len(xai.calls("GenerateImage")) == 1


def test_a_wrong_api_key_fails_with_an_authentication_message(owner, xai, settings):
    settings.XAI_API_KEY = "not-the-key"
    generation = run(submit(owner))

    assert generation.status == Status.FAILED
    assert generation.error_code == "unauthenticated"
    assert "API key" in generation.message


def test_rate_limit_is_retried_with_backoff_then_completes(owner, xai):
    xai.add_fault("GenerateImage", "rate_limit", times=2)
    generation = run(submit(owner))

    assert generation.status == Status.COMPLETED, generation.message
    assert generation.attempts == 3
    codes = [c["code"] for c in xai.calls("GenerateImage")]
    assert codes == ["RESOURCE_EXHAUSTED", "RESOURCE_EXHAUSTED", "OK"]


def test_a_lasting_outage_ends_failed_after_the_retry_budget(owner, xai, settings):
    settings.STUDIO_RETRY_ATTEMPTS = 2
    xai.add_fault("GenerateImage", "unavailable", times=100)
    generation = run(submit(owner))

    assert generation.status == Status.FAILED
    assert generation.error_code == "unavailable"
    assert generation.attempts == 2


def test_a_short_outage_is_absorbed_and_completes(owner, xai):
    # The SDK retries UNAVAILABLE five times itself; seven faults outlast one
    # SDK call, so the studio's own retry has to carry it over.
    xai.add_fault("GenerateImage", "unavailable", times=7)
    generation = run(submit(owner))

    assert generation.status == Status.COMPLETED, generation.message
    assert generation.attempts == 2


def test_a_call_that_times_out_is_not_sent_again(owner, xai, settings):
    settings.XAI_TIMEOUT_S = 1.0
    xai.add_fault("GenerateImage", "slow", arg=3, times=1)
    generation = run(submit(owner))

    assert generation.status == Status.FAILED
    assert generation.error_code == "outcome_unknown"
    assert len(calls_once_recorded(xai, "GenerateImage", within_s=6)) == 1


def test_a_result_url_that_answers_404_ends_failed_cleanly(owner, xai):
    generation = run(submit(owner, "[fault:url_404] a cat"))

    assert generation.status == Status.FAILED
    assert generation.error_code == "result_gone"
    assert not generation.outputs.exists()


def test_a_truncated_download_is_retried_then_fails_cleanly(owner, xai):
    generation = run(submit(owner, "[fault:url_truncated] a dog"))

    assert generation.status == Status.FAILED
    assert generation.error_code in {"download_truncated", "download_failed"}
    assert not generation.outputs.exists()
    assert len(xai.calls("GenerateImage")) == 1


def test_a_worker_that_died_mid_call_leaves_an_outcome_unknown_state(owner, xai, settings):
    generation = submit(owner)
    assert generation.claim()
    # The call would have been in flight; its worker never came back.
    Generation.objects.filter(pk=generation.pk).update(
        started_at=generation.started_at - timedelta(seconds=settings.XAI_TIMEOUT_S + 61)
    )
    tasks.run_generation(generation.pk)  # what the sweep's nudge runs
    generation.refresh_from_db()

    assert generation.status == Status.FAILED
    assert generation.error_code == "outcome_unknown"
    assert xai.calls("GenerateImage") == []


@pytest.mark.parametrize(
    ("fault", "code", "words"),
    [
        ("permission_denied", "permission_denied", "not allowed"),
        ("not_found", "not_found", "does not know"),
        ("internal", "internal", "internal error"),
    ],
)
def test_other_provider_errors_end_failed_with_their_code(owner, xai, fault, code, words):
    xai.add_fault("GenerateImage", fault, times=1)
    generation = run(submit(owner))

    assert generation.status == Status.FAILED
    assert generation.error_code == code
    assert words in generation.message
    assert len(xai.calls("GenerateImage")) == 1


def test_a_result_that_drips_slowly_is_abandoned_at_the_download_deadline(owner, xai, settings):
    settings.STUDIO_DOWNLOAD_TIMEOUT_S = 1.0
    started = time.monotonic()
    generation = run(submit(owner, "[fault:url_slow:200] a snail"))

    assert generation.status == Status.FAILED
    assert generation.error_code == "download_slow"
    # Three tries of one second each, plus short pauses: nowhere near the hours a drip could take.
    assert time.monotonic() - started < 15


def test_an_unexpected_error_before_the_call_fails_the_row_without_calling_xai(owner, xai):
    generation = submit(owner, references=[make_image("PNG")])
    reference = generation.references.get().asset
    reference.file.storage.delete(reference.file.name)

    generation = run(generation)

    assert generation.status == Status.FAILED
    assert generation.error_code == "internal_error"
    assert xai.calls("GenerateImage") == []


def test_the_sweep_nudges_stalled_rows_and_leaves_moving_ones(owner, xai, settings):
    from grokstudio.studio.generation import pipeline

    stalled, moving = submit(owner, "stalled"), submit(owner, "moving")
    Generation.objects.filter(pk=stalled.pk).update(updated_at=timezone.now() - timedelta(minutes=10))
    queue.clear()  # the tasks queued with the two rows were lost

    assert pipeline.sweep() == 1
    nudged = [task["args"] for task in queue.queued() if task["func"].endswith("run_generation")]
    assert nudged == [(stalled.pk,)]
    assert Generation.objects.get(pk=moving.pk).status == Status.PENDING

    stalled = run(stalled)  # what the nudged task and the poller it queued do
    assert stalled.status == Status.COMPLETED
