"""Every video mode and fault through the real pipeline, the real xai-sdk and the emulator.

Nothing is mocked: each test stores its inputs through the service the create
view uses, runs what the workers run (`drive`: the video poller, then the
download task), and reads both the row and the emulator's record of what
xai-sdk sent. The session emulator answers a video after 0.5 s, so a job is
`pending` at xAI for about that long after its start. The poller starts videos
on its own threads, each with its own database connection: these tests commit.
"""

from __future__ import annotations

import io
import time
from datetime import timedelta

import av
import pytest
from django.utils import timezone

from grokstudio.studio import services
from grokstudio.studio.generation import pipeline, poller, ratelimit, tasks
from grokstudio.studio.media.clips import check_clip
from grokstudio.studio.media.images import check_reference
from grokstudio.studio.models import Asset, Generation, Kind, Reference, Status
from tests import queue
from tests.factories import make_clip, make_image
from tests.integration.drive import drive
from tests.integration.videos import submit_video

pytestmark = pytest.mark.django_db(transaction=True)

VIDEO_ERROR_CODES = (
    "invalid_argument", "permission_denied", "failed_precondition", "service_unavailable", "internal_error",
)  # fmt: skip


@pytest.fixture(autouse=True)
def quick_polls(settings):
    # The session emulator answers after 0.5 s; asking every 0.1 s keeps each test short.
    settings.STUDIO_VIDEO_POLL_INTERVAL_S = 0.1


def image(size=(90, 160), fmt="PNG"):
    return check_reference(make_image(fmt, size), f"still.{fmt.lower()}")


def clip(seconds=2.0, size=(72, 128)):
    return check_clip(make_clip(seconds, size), "clip.mp4")


def gallery_video(user, seconds=2.0, size=(72, 128)) -> Asset:
    """A finished video in the user's gallery, as the pipeline stores one."""
    generation = Generation.objects.create(
        user=user, kind=Kind.VIDEO, prompt="an earlier clip", model="grok-imagine-video",
        status=Status.COMPLETED, params={"mode": "text", "n": 1, "duration": round(seconds)},
    )  # fmt: skip
    return services.store_clip(
        user=user, role=Asset.Role.OUTPUT, clip=clip(seconds, size), generation=generation
    )


def probe(asset: Asset) -> tuple[int, int, float, bool]:
    """Width, height, seconds and whether there is sound, read from the stored file itself."""
    with asset.file.open("rb") as f, av.open(io.BytesIO(f.read())) as container:
        stream = container.streams.video[0]
        seconds = float(stream.duration * stream.time_base)
        return stream.codec_context.width, stream.codec_context.height, seconds, bool(container.streams.audio)


def only_request(emulator, method: str) -> dict:
    calls = emulator.calls(method)
    assert [c["code"] for c in calls] == ["OK"], calls
    return calls[0]["request"]


def stored_outputs(media_root) -> list:
    return [p for p in (media_root / "output").rglob("*") if p.is_file()]


def assert_ended_without_a_result(generation: Generation, media_root) -> None:
    assert generation.status not in (Status.PROCESSING, Status.DOWNLOADING, Status.COMPLETED)
    assert generation.finished_at is not None
    assert not generation.outputs.exists()
    assert stored_outputs(media_root) == []


def start(generation: Generation) -> Generation:
    """Only the start call: the row is `processing` with xAI's request_id, nothing polled yet."""
    cycles_until(lambda: generation.status != Status.PENDING, generation)
    assert generation.status == Status.PROCESSING, generation.message
    # The first poll comes one interval after the start; these tests want it now.
    Generation.objects.filter(pk=generation.pk).update(next_poll_at=timezone.now())
    generation.refresh_from_db()
    return generation


def poll_once(generation: Generation) -> Generation:
    poller.run(run_for_s=0.01)  # one cycle: every due request is asked once
    generation.refresh_from_db()
    return generation


def cycles_until(done, generation: Generation, timeout: float = 10) -> Generation:
    """Run the poller a cycle at a time until `done()`, the row refreshed before each check."""
    deadline = time.monotonic() + timeout
    generation.refresh_from_db()
    while not done() and time.monotonic() < deadline:
        poller.run(run_for_s=0.01)
        generation.refresh_from_db()
    return generation


def gallery_poll(client, since: str) -> str:
    """What an open gallery's next poll brings: the cards that changed since its last one."""
    response = client.get("/poll/", {"since": since}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.text


def last_answer(emulator) -> str:
    """What the emulator said to the latest poll: PENDING, DONE, FAILED or EXPIRED."""
    return emulator.calls("GetDeferredVideo")[-1]["response"]["status"]


# --- every mode -------------------------------------------------------------------------------


def test_text_to_video_completes_with_a_checked_mp4_and_a_poster(owner, xai):
    generation = drive(submit_video(owner, duration=2))

    assert generation.status == Status.COMPLETED, generation.message
    asset = generation.outputs.get()
    assert asset.kind == "video"
    assert asset.content_type == "video/mp4"
    assert asset.duration_s == pytest.approx(2, abs=0.1)
    assert (asset.width, asset.height) == (854, 480) or asset.width > asset.height
    assert asset.thumbnail.name.endswith(".webp")
    assert generation.cost_usd_ticks > 0
    assert generation.progress == 100
    assert len(xai.calls("GenerateVideo")) == 1


def test_text_to_video_sends_the_chosen_options_and_the_result_honours_them(owner, xai):
    generation = drive(submit_video(owner, duration=1, aspect_ratio="1:1", resolution="480p", audio=False))

    assert generation.status == Status.COMPLETED, generation.message
    request = only_request(xai, "GenerateVideo")
    assert request["model"] == "grok-imagine-video"
    assert request["duration"] == 1
    assert request["aspect_ratio"] == "VIDEO_ASPECT_RATIO_1_1"
    assert request["resolution"] == "VIDEO_RESOLUTION_480P"
    assert request["generate_audio"] is False
    assert probe(generation.outputs.get()) == (480, 480, pytest.approx(1, abs=0.1), False)
    assert generation.request_id and len(xai.calls("GetDeferredVideo")) >= 1


def test_image_to_video_from_an_upload_sends_it_inline_and_follows_its_shape(owner, xai):
    generation = drive(submit_video(owner, "the boat sets sail", mode="image", image=image((90, 160))))

    assert generation.status == Status.COMPLETED, generation.message
    request = only_request(xai, "GenerateVideo")
    assert request["image"]["image_url"].startswith("data:image/png;base64,")
    assert "aspect_ratio" not in request
    first = generation.references.get()
    assert (first.role, first.asset.role) == (Reference.Role.FIRST_FRAME, Asset.Role.UPLOAD)
    assert generation.params["shape"] == "90:160"
    width, height, seconds, _ = probe(generation.outputs.get())
    assert (width, height) == (480, 854)
    assert seconds == pytest.approx(2, abs=0.1)


def test_image_to_video_from_a_gallery_image_reuses_it_without_a_copy(owner, xai):
    made = services.submit_image_generation(
        owner, {"prompt": "a wide harbour", "model": "grok-imagine-image", "aspect_ratio": "16:9",
                "resolution": "1k", "n": 1, "references": []},
    )  # fmt: skip
    still = drive(made).outputs.get()
    assets_before = Asset.objects.count()

    generation = drive(submit_video(owner, "animate the harbour", mode="image", image_asset=still))

    assert generation.status == Status.COMPLETED, generation.message
    request = only_request(xai, "GenerateVideo")
    assert request["image"]["image_url"].startswith(f"data:{still.content_type};base64,")
    assert "aspect_ratio" not in request
    assert generation.references.get().asset == still
    assert Asset.objects.count() == assets_before + 1  # the new video, and no copy of the image
    width, height, _, _ = probe(generation.outputs.get())
    assert (width, height) == (854, 480)


def test_video_to_video_from_an_upload_goes_through_the_files_api(owner, xai):
    generation = drive(submit_video(owner, "make it snow", mode="video", video=clip(2.0, (72, 128))))

    assert generation.status == Status.COMPLETED, generation.message
    upload = only_request(xai, "UploadFile")
    assert upload["data_bytes"] > 0
    request = only_request(xai, "GenerateVideo")
    assert request["video"]["file_id"].startswith("file_")
    assert "url" not in request["video"]
    assert xai.calls("UploadFile")[0]["time"] <= xai.calls("GenerateVideo")[0]["time"]
    # The output keeps the input's length and shape: none of the form's options are sent.
    assert not {"duration", "aspect_ratio", "resolution"} & request.keys()
    source = generation.references.get()
    assert (source.role, source.asset.kind) == (Reference.Role.SOURCE_VIDEO, "video")
    width, height, seconds, _ = probe(generation.outputs.get())
    assert (width, height) == (72, 128)
    assert seconds == pytest.approx(2.0, abs=0.1)


def test_a_refused_clip_upload_reaches_the_open_gallery_then_is_tried_again(owner, owner_client, xai):
    generation = submit_video(owner, "make it snow", mode="video", video=clip(2.0, (72, 128)))
    since = timezone.now().isoformat()  # the open gallery's last poll
    assert f'id="gen-{generation.pk}"' not in gallery_poll(owner_client, since)
    xai.add_fault("UploadFile", "rate_limit")

    cycles_until(lambda: xai.calls("UploadFile"), generation)

    card = gallery_poll(owner_client, since)
    assert f'id="gen-{generation.pk}"' in card
    assert "(uploading the clip)" in generation.message and "(uploading the clip)" in card
    assert generation.status == Status.PENDING and xai.calls("GenerateVideo") == []
    generation = drive(generation)
    assert generation.status == Status.COMPLETED, generation.message
    assert [c["code"] for c in xai.calls("UploadFile")] == ["RESOURCE_EXHAUSTED", "OK"]
    assert len(xai.calls("GenerateVideo")) == 1


def test_a_clip_upload_refused_every_time_ends_failed_after_the_retry_budget(owner, xai, settings):
    settings.STUDIO_RETRY_ATTEMPTS = 2
    xai.add_fault("UploadFile", "rate_limit", times=10)

    generation = drive(submit_video(owner, "make it snow", mode="video", video=clip(2.0, (72, 128))))

    assert generation.status == Status.FAILED
    assert generation.error_code == "rate_limited" and "(uploading the clip)" in generation.message
    assert len(xai.calls("UploadFile")) == 3  # the first try and two more
    assert xai.calls("GenerateVideo") == []


def test_video_to_video_from_a_gallery_video_uploads_its_file(owner, xai):
    earlier = gallery_video(owner, seconds=3.0, size=(96, 96))

    generation = drive(submit_video(owner, "turn it to night", mode="video", video_asset=earlier))

    assert generation.status == Status.COMPLETED, generation.message
    assert len(xai.calls("UploadFile")) == 1
    request = only_request(xai, "GenerateVideo")
    assert request["video"]["file_id"].startswith("file_")
    assert "url" not in request["video"]
    assert generation.references.get().asset == earlier
    width, height, seconds, _ = probe(generation.outputs.get())
    assert (width, height) == (96, 96)
    assert seconds == pytest.approx(3.0, abs=0.1)


def test_extending_a_finished_video_adds_the_new_seconds_to_it(owner, xai):
    earlier = drive(submit_video(owner, "a paper boat", duration=2)).outputs.get()
    xai.clear_calls()

    generation = drive(
        submit_video(owner, "the boat reaches the shore", mode="extend", video_asset=earlier, duration=2)
    )

    assert generation.status == Status.COMPLETED, generation.message
    assert len(xai.calls("UploadFile")) == 1
    assert xai.calls("GenerateVideo") == []
    request = only_request(xai, "ExtendVideo")
    assert request["video"]["file_id"].startswith("file_")
    assert "url" not in request["video"]
    assert request["duration"] == 2
    width, height, seconds, _ = probe(generation.outputs.get())
    assert (width, height) == (earlier.width, earlier.height)
    assert seconds == pytest.approx(earlier.duration_s + 2, abs=0.1)


@pytest.mark.parametrize("count", [2, 3])
def test_reference_images_are_all_sent_inline(owner, xai, count):
    colours = [(200, 30, 30), (30, 200, 30), (30, 30, 200)][:count]
    refs = [check_reference(make_image("PNG", (64, 64), colour)) for colour in colours]

    generation = drive(
        submit_video(owner, "these two, dancing", mode="reference", references=refs, duration=1)
    )

    assert generation.status == Status.COMPLETED, generation.message
    request = only_request(xai, "GenerateVideo")
    assert len(request["reference_images"]) == count
    assert all(r["image_url"].startswith("data:image/png;base64,") for r in request["reference_images"])
    assert "image" not in request
    assert request["aspect_ratio"] == "VIDEO_ASPECT_RATIO_16_9"
    roles = [(r.role, r.position) for r in generation.references.all()]
    assert roles == [(Reference.Role.REFERENCE, i) for i in range(count)]


def test_a_last_frame_is_sent_to_grok_imagine_video_1_5(owner, xai):
    generation = drive(
        submit_video(
            owner, "sunrise to sunset", model="grok-imagine-video-1.5", duration=1,
            last_frame=image((160, 90), "JPEG"),
        )
    )  # fmt: skip

    assert generation.status == Status.COMPLETED, generation.message
    request = only_request(xai, "GenerateVideo")
    assert request["model"] == "grok-imagine-video-1.5"
    assert request["last_frame"]["image_url"].startswith("data:image/jpeg;base64,")
    assert "image" not in request
    assert generation.references.get().role == Reference.Role.LAST_FRAME


# --- progress and idempotence -----------------------------------------------------------------


def test_progress_is_saved_as_xai_reports_it(owner, xai, settings):
    settings.STUDIO_VIDEO_POLL_INTERVAL_S = 0.05
    generation = start(submit_video(owner, duration=1))
    seen = []
    deadline = time.monotonic() + 10
    while generation.status == Status.PROCESSING and time.monotonic() < deadline:
        poller.run(run_for_s=0.06)
        generation.refresh_from_db()
        if generation.status == Status.PROCESSING:
            seen.append(generation.progress)

    assert generation.status == Status.DOWNLOADING
    assert any(1 <= p <= 99 for p in seen), seen
    assert seen == sorted(seen)
    assert generation.progress == 100


def test_running_every_step_twice_stores_one_file_and_starts_one_video(owner, xai, media_root):
    generation = submit_video(owner, duration=1)
    as_read_by_another_poller = Generation.objects.get(pk=generation.pk)
    pipeline.start(generation, ratelimit.pacer(ratelimit.VIDEO).turn())
    pipeline.start(as_read_by_another_poller, ratelimit.pacer(ratelimit.VIDEO).turn())
    tasks.run_generation(generation.pk)  # a stray task about a video leaves it to the poller
    drive(generation)
    generation = drive(generation)
    # A download task delivered again after it finished must not store a second copy.
    Generation.objects.filter(pk=generation.pk).update(status=Status.DOWNLOADING)
    tasks.run_generation(generation.pk)
    generation.refresh_from_db()

    assert generation.status == Status.COMPLETED
    assert generation.outputs.count() == 1
    assert len(stored_outputs(media_root)) == 2  # the MP4 and its poster
    assert len(xai.calls("GenerateVideo")) == 1


# --- faults at the start call -----------------------------------------------------------------


def test_a_rate_limited_start_is_retried_then_completes(owner, xai):
    xai.add_fault("GenerateVideo", "rate_limit", times=2)
    generation = drive(submit_video(owner, duration=1))

    assert generation.status == Status.COMPLETED, generation.message
    assert generation.attempts == 3
    codes = [c["code"] for c in xai.calls("GenerateVideo")]
    assert codes == ["RESOURCE_EXHAUSTED", "RESOURCE_EXHAUSTED", "OK"]


def test_a_short_outage_at_the_start_is_absorbed_by_the_sdk(owner, xai):
    xai.add_fault("GenerateVideo", "unavailable", times=3)
    generation = drive(submit_video(owner, duration=1))

    assert generation.status == Status.COMPLETED, generation.message
    assert generation.attempts == 1
    assert [c["code"] for c in xai.calls("GenerateVideo")] == ["UNAVAILABLE"] * 3 + ["OK"]


def test_a_longer_outage_at_the_start_is_retried_by_the_studio_then_completes(owner, xai):
    # xai-sdk makes 5 attempts per call; the studio's second call makes 3 more.
    xai.add_fault("GenerateVideo", "unavailable", times=7)
    generation = drive(submit_video(owner, duration=1))

    assert generation.status == Status.COMPLETED, generation.message
    assert generation.attempts == 2
    assert [c["code"] for c in xai.calls("GenerateVideo")] == ["UNAVAILABLE"] * 7 + ["OK"]


def test_an_invalid_argument_at_the_start_is_final(owner, xai, media_root):
    xai.add_fault("GenerateVideo", "invalid_argument")
    generation = drive(submit_video(owner, duration=1))

    assert generation.status == Status.FAILED
    assert generation.error_code == "invalid_argument"
    assert "rejected" in generation.message
    assert generation.request_id == ""
    assert len(xai.calls("GenerateVideo")) == 1
    assert xai.calls("GetDeferredVideo") == []
    assert_ended_without_a_result(generation, media_root)


# --- faults while xAI renders -----------------------------------------------------------------


def test_moderation_ends_failed_and_says_so(owner, xai, media_root):
    xai.add_fault("GenerateVideo", "moderation")
    generation = drive(submit_video(owner, duration=1))

    assert generation.status == Status.FAILED
    assert generation.error_code == "moderated"
    assert "moderation" in generation.message
    assert_ended_without_a_result(generation, media_root)


def test_a_failure_reported_as_moderation_keeps_xais_code_and_words(owner, xai, media_root):
    xai.add_fault("GenerateVideo", "moderation_failed")
    generation = drive(submit_video(owner, duration=1))

    assert generation.status == Status.FAILED
    assert generation.error_code == "invalid_argument"
    assert "moderation" in generation.message
    assert_ended_without_a_result(generation, media_root)


@pytest.mark.parametrize("code", VIDEO_ERROR_CODES)
def test_a_failed_video_ends_failed_with_xais_code(owner, xai, media_root, code):
    xai.add_fault("GenerateVideo", "video_failed", arg=code)
    generation = drive(submit_video(owner, duration=1))

    assert generation.status == Status.FAILED
    assert generation.error_code == code
    assert generation.message.startswith("xAI could not make this video:")
    assert len(xai.calls("GenerateVideo")) == 1  # a failed render is final, never started again
    assert_ended_without_a_result(generation, media_root)


def test_an_expired_request_ends_failed_as_expired(owner, xai, media_root):
    xai.add_fault("GenerateVideo", "expired")
    generation = drive(submit_video(owner, duration=1))

    assert generation.status == Status.FAILED
    assert generation.error_code == "expired"
    assert "dropped" in generation.message
    assert_ended_without_a_result(generation, media_root)


def test_an_outage_while_polling_backs_off_that_request_then_completes(owner, xai, settings):
    generation = start(submit_video(owner, duration=1))
    xai.add_fault("GetDeferredVideo", "unavailable", times=5)  # one whole SDK call
    asked = timezone.now()

    generation = poll_once(generation)

    assert generation.status == Status.PROCESSING
    assert generation.poll_failures == 1
    backoff = timedelta(seconds=settings.STUDIO_VIDEO_POLL_INTERVAL_S * 2)
    assert generation.next_poll_at >= asked + backoff
    generation = drive(generation)
    assert generation.status == Status.COMPLETED, generation.message
    codes = [c["code"] for c in xai.calls("GetDeferredVideo")]
    assert codes[:5] == ["UNAVAILABLE"] * 5 and codes[-1] == "OK"
    assert len(xai.calls("GenerateVideo")) == 1


def test_a_pending_answer_clears_earlier_poll_failures(owner, xai):
    generation = start(submit_video(owner, duration=1))
    Generation.objects.filter(pk=generation.pk).update(poll_failures=3)

    generation = poll_once(generation)

    assert last_answer(xai) == "PENDING"  # asked well within the emulator's 0.5 s
    assert generation.status == Status.PROCESSING
    assert generation.poll_failures == 0


def test_a_result_url_that_answers_404_fails_cleanly(owner, xai, media_root):
    xai.add_fault("GenerateVideo", "url_404")
    generation = drive(submit_video(owner, duration=1))

    assert generation.status == Status.FAILED
    assert generation.error_code == "result_gone"
    assert_ended_without_a_result(generation, media_root)


def test_a_truncated_result_is_retried_then_fails_cleanly(owner, xai, media_root):
    xai.add_fault("GenerateVideo", "url_truncated")
    generation = drive(submit_video(owner, duration=1))

    assert generation.status == Status.FAILED
    assert generation.error_code in {"download_truncated", "download_failed"}
    assert "3 attempts" in generation.message
    assert_ended_without_a_result(generation, media_root)


def test_a_video_still_pending_after_the_deadline_ends_in_timeout(owner, xai, settings, media_root):
    generation = start(submit_video(owner, duration=1))
    Generation.objects.filter(pk=generation.pk).update(
        started_at=timezone.now() - timedelta(seconds=settings.STUDIO_VIDEO_DEADLINE_S + 1)
    )

    generation = poll_once(generation)

    assert last_answer(xai) == "PENDING"
    assert generation.status == Status.TIMEOUT
    assert generation.error_code == "deadline_exceeded"
    assert "stopped waiting" in generation.message
    assert_ended_without_a_result(generation, media_root)


def test_a_cancelled_video_stays_cancelled_and_is_never_downloaded(owner, owner_client, xai, media_root):
    generation = start(submit_video(owner, duration=1))
    assert owner_client.post(f"/g/{generation.pk}/cancel").status_code == 302
    polls = len(xai.calls("GetDeferredVideo"))

    time.sleep(0.6)  # xAI finishes the render meanwhile
    poller.run(run_for_s=0.5)
    tasks.run_generation(generation.pk)
    generation.refresh_from_db()

    assert generation.status == Status.CANCELLED
    assert generation.error_code == "cancelled"
    assert len(xai.calls("GetDeferredVideo")) == polls
    assert generation.result_urls == []
    assert_ended_without_a_result(generation, media_root)


# --- polls never end a paid video on a passing error ------------------------------------------


@pytest.mark.parametrize("fault", ["internal", "slow"])
def test_a_failed_or_slow_poll_is_asked_again_and_the_video_completes(owner, xai, settings, fault):
    settings.XAI_POLL_TIMEOUT_S = 1.0
    generation = start(submit_video(owner, duration=1))
    xai.add_fault("GetDeferredVideo", fault, arg=2 if fault == "slow" else None, times=1)

    generation = poll_once(generation)

    assert generation.status == Status.PROCESSING
    assert generation.poll_failures == 1
    generation = drive(generation)
    assert generation.status == Status.COMPLETED, generation.message
    assert len(xai.calls("GenerateVideo")) == 1


def test_a_request_that_keeps_failing_still_ends_at_the_deadline(owner, xai, settings):
    generation = start(submit_video(owner, duration=1))
    Generation.objects.filter(pk=generation.pk).update(
        started_at=timezone.now() - timedelta(seconds=settings.STUDIO_VIDEO_DEADLINE_S + 1)
    )
    xai.add_fault("GetDeferredVideo", "unavailable", times=5)

    generation = poll_once(generation)

    assert generation.status == Status.TIMEOUT
    assert generation.error_code == "deadline_exceeded"


def test_a_start_answered_after_the_sweep_gave_up_is_followed_after_all(owner, xai):
    generation = submit_video(owner, duration=1)
    assert generation.claim()
    generation.fail("given up", "outcome_unknown")
    request_id = late_start_request()

    assert generation.resume_processing(request_id)
    generation.refresh_from_db()
    assert generation.status == Status.PROCESSING
    assert generation.request_id == request_id


def late_start_request() -> str:
    """A real start call straight through the SDK door, as the late answer would bring."""
    from grokstudio import xai as door

    return door.start_video(prompt="late", model="grok-imagine-video", duration=1)


def test_the_sweep_leaves_waiting_videos_to_the_poller(owner, xai):
    waiting = submit_video(owner, duration=1)  # queues a poller once committed
    Generation.objects.filter(pk=waiting.pk).update(updated_at=timezone.now() - timedelta(minutes=10))

    assert pipeline.sweep() == 0
    # No task for the video itself, and no second poller while one waits in the queue.
    assert [task["func"] for task in queue.queued()] == ["grokstudio.studio.generation.tasks.poll_videos"]
