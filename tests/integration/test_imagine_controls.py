"""Imagine's own controls, from the create form and the task API to xAI and back.

2.0's image quality; 1.5's keyframes (pictures the clip passes through, at times
inside it), preset voices and 1080p. Each request goes through the real pipeline and
xai-sdk to the emulator, whose record says what arrived; each refusal, from the form
and from the API, says what is wrong in plain words and stores nothing. Limits are read
from catalog.py, never written here.
"""

from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from grokstudio import xai as door
from grokstudio.api.models import ApiToken
from grokstudio.studio import catalog, services
from grokstudio.studio.media.images import check_reference
from grokstudio.studio.models import Asset, Generation, Kind, Reference, Status
from tests.factories import make_image
from tests.integration.drive import drive

pytestmark = pytest.mark.django_db(transaction=True)

V15 = catalog.VIDEO_MODELS["grok-imagine-video-1.5"]
BASE = catalog.VIDEO_MODELS["grok-imagine-video"]
QUALITY_MODEL = next(m for m in catalog.IMAGE_MODELS.values() if m.qualities)
PLAIN_IMAGE_MODEL = next(m for m in catalog.IMAGE_MODELS.values() if not m.qualities)
VIDEO = {"kind": "video", "prompt": "A kite over the dunes", "mode": "text", "model": V15.name,
         "duration": "3", "aspect_ratio": "16:9", "resolution": "480p", "audio": "on"}  # fmt: skip
IMAGE = {"kind": "image", "prompt": "A kite over the dunes", "model": QUALITY_MODEL.name,
         "aspect_ratio": "1:1", "resolution": "1k", "n": "1"}  # fmt: skip


@pytest.fixture(autouse=True)
def quick_polls(settings):
    settings.STUDIO_VIDEO_POLL_INTERVAL_S = 0.1


@pytest.fixture
def api(owner) -> Client:
    secret = ApiToken.issue(owner, "script")[1]
    return Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {secret}"})


def png(size=(64, 36), color=(30, 120, 200)) -> bytes:
    return make_image("PNG", size, color=color)


def upload(name="key.png", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png(**kwargs), content_type="image/png")


def data_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def own_image(user, size=(48, 48)) -> Asset:
    image = check_reference(png(size))
    return services.store_image(user=user, role=Asset.Role.OUTPUT, image=image)


def recorded_uri(asset: Asset) -> str:
    """How the emulator's record shows a picture sent inline: the data: URI's start and length."""
    with asset.file.open("rb") as f:
        uri = f"data:{asset.content_type};base64," + base64.b64encode(f.read()).decode()
    return f"{uri[:64]}...({len(uri)} chars)"


def only_request(emulator, method: str) -> dict:
    calls = emulator.calls(method)
    assert [c["code"] for c in calls] == ["OK"], calls
    return calls[0]["request"]


def assert_nothing_stored(media_root) -> None:
    assert not Generation.objects.exists()
    assert not Asset.objects.exists()
    assert [p for p in media_root.rglob("*") if p.is_file()] == []


# --- what reaches xAI ------------------------------------------------------------------------


def test_a_1_5_video_from_the_form_sends_its_keyframes_voices_and_1080p(owner, owner_client, xai):
    still = own_image(owner)
    response = owner_client.post("/generate/", {
        **VIDEO, "resolution": "1080p", "voices": ["ara", "leo"],
        "keyframe_1_image": upload(), "keyframe_1_time": "1.5",
        "keyframe_2_asset": str(still.pk), "keyframe_2_time": "0.5",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]

    generation = drive(Generation.objects.get())

    assert generation.status == Status.COMPLETED, generation.message
    request = only_request(xai, "GenerateVideo")
    assert request["model"] == V15.name and request["resolution"] == "VIDEO_RESOLUTION_1080P"
    assert [k["timestamp_s"] for k in request["keyframes"]] == [1.5, 0.5]
    assert all(k["image"]["image_url"].startswith("data:image/png;base64,") for k in request["keyframes"])
    assert request["reference_audios"] == [{"voice_id": "ara"}, {"voice_id": "leo"}]
    assert generation.outputs.get().height == 1080
    # The keyframe pictures are inputs like any other: an upload stored, a gallery picture reused.
    keyframes = list(generation.references.filter(role=Reference.Role.KEYFRAME))
    assert [r.asset.role for r in keyframes] == [Asset.Role.UPLOAD, Asset.Role.OUTPUT]
    assert keyframes[1].asset == still
    assert [r.time_s for r in keyframes] == [1.5, 0.5] and generation.params["voices"] == ["ara", "leo"]
    page = owner_client.get(f"/a/{generation.outputs.get().pk}/").content.decode()
    assert "Keyframe at 1.5 s" in page and "Keyframe at 0.5 s" in page and "voices ara, leo" in page


def test_quality_from_the_form_reaches_grok_imagine_2_0(owner_client, xai):
    response = owner_client.post("/generate/", {**IMAGE, "quality": "low"})
    assert response.status_code == 302

    generation = drive(Generation.objects.get())

    assert generation.status == Status.COMPLETED, generation.message
    assert only_request(xai, "GenerateImage")["quality"] == "IMG_QUALITY_LOW"
    assert generation.params["quality"] == "low"


def test_without_a_quality_none_is_sent(owner_client, xai):
    owner_client.post("/generate/", IMAGE)
    drive(Generation.objects.get())

    assert "quality" not in only_request(xai, "GenerateImage")


def test_a_reroll_sends_the_same_keyframes_and_voices_again(owner, xai):
    first = services.submit_video_generation(owner, {
        "prompt": "A kite", "model": V15.name, "mode": "text", "duration": 2, "aspect_ratio": "16:9",
        "resolution": "480p", "audio": True, "voices": ["sal"],
        "keyframes": [{"image": check_reference(png()), "image_asset": None, "time_s": 1.0}],
    })  # fmt: skip
    drive(first)
    again = drive(services.reroll(first))

    assert again.status == Status.COMPLETED, again.message
    sent = [c["request"] for c in xai.calls("GenerateVideo")]
    assert [r["keyframes"][0]["timestamp_s"] for r in sent] == [1.0, 1.0]
    assert [r["reference_audios"] for r in sent] == [[{"voice_id": "sal"}]] * 2


def test_each_keyframe_reaches_xai_with_its_own_time_whatever_order_its_row_was_made_in(owner, xai):
    small, middle, large = (own_image(owner, size) for size in ((32, 18), (64, 36), (128, 72)))
    names = {recorded_uri(small): "small", recorded_uri(middle): "middle", recorded_uri(large): "large"}
    assert len(names) == 3  # each picture known by what the record shows of it
    generation = Generation.objects.create(
        user=owner, kind=Kind.VIDEO, prompt="A kite", model=V15.name,
        params={"mode": "text", "n": 1, "duration": 3, "aspect_ratio": "16:9", "resolution": "480p"},
    )  # fmt: skip
    # Rows made neither in the order of their positions nor in the order of their times.
    for picture, position, time_s in ((large, 2, 0.5), (small, 0, 2.5), (middle, 1, 1.5)):
        Reference.objects.create(
            generation=generation, asset=picture, role=Reference.Role.KEYFRAME, position=position,
            time_s=time_s,
        )  # fmt: skip

    generation = drive(generation)

    assert generation.status == Status.COMPLETED, generation.message
    sent = only_request(xai, "GenerateVideo")["keyframes"]
    assert [(names[k["image"]["image_url"]], k["timestamp_s"]) for k in sent] == [
        ("small", 2.5), ("middle", 1.5), ("large", 0.5)
    ]  # fmt: skip
    labels = [label for _ref, label in generation.inputs()]
    assert labels == ["Keyframe at 2.5 s", "Keyframe at 1.5 s", "Keyframe at 0.5 s"]


def test_the_api_takes_keyframes_voices_and_quality(api, owner, xai):
    still = own_image(owner)
    created = api.post("/xai/videos", {
        "prompt": "A kite over the dunes", "model": V15.name, "duration": 2, "resolution": "720p",
        "keyframes": [{"image": data_uri(png()), "timeS": 0.5}, {"image": still.pk, "timeS": 1.25}],
        "voices": ["eve"],
    }, content_type="application/json")  # fmt: skip
    assert created.status_code == 200, created.content
    image_task = api.post(
        "/xai/images", {"prompt": "A kite", "model": QUALITY_MODEL.name, "quality": "medium"},
        content_type="application/json",
    )  # fmt: skip
    assert image_task.status_code == 200, image_task.content

    video = drive(Generation.objects.get(pk=int(created.json()["taskId"])))
    drive(Generation.objects.get(pk=int(image_task.json()["taskId"])))

    assert video.status == Status.COMPLETED, video.message
    request = only_request(xai, "GenerateVideo")
    assert [k["timestamp_s"] for k in request["keyframes"]] == [0.5, 1.25]
    assert request["reference_audios"] == [{"voice_id": "eve"}]
    assert video.references.filter(role=Reference.Role.KEYFRAME, asset=still).exists()
    assert only_request(xai, "GenerateImage")["quality"] == "IMG_QUALITY_MEDIUM"


def test_xai_refuses_a_keyframe_outside_the_clip_sent_straight_through_the_sdk(xai):
    with pytest.raises(door.ProviderError) as refused:
        door.start_video(prompt="A kite", model=V15.name, duration=2, keyframes=[(data_uri(png()), 2.5)])
    assert refused.value.code == "invalid_argument" and not refused.value.retryable
    assert "strictly between 0 and the duration (2 s)" in xai.calls("GenerateVideo")[0]["details"]


def test_xai_refuses_voices_and_keyframes_on_the_first_video_model(xai):
    for extra in ({"voices": ["ara"]}, {"keyframes": [(data_uri(png()), 1.0)]}):
        with pytest.raises(door.ProviderError) as refused:
            door.start_video(prompt="A kite", model=BASE.name, duration=2, **extra)
        assert refused.value.code == "invalid_argument"
    assert all("only supported on grok-imagine-video-1.5" in c["details"] for c in xai.calls("GenerateVideo"))


# --- refusals: a clear sentence, nothing stored ------------------------------------------------

TOO_CLOSE = "Keyframes must be at least 1/3 s apart: 2.0 s and 2.2 s are too close."
FORM_REFUSALS = [
    pytest.param({**IMAGE, "model": PLAIN_IMAGE_MODEL.name, "quality": "low"},
                 f"Quality applies only to {QUALITY_MODEL.label}.", id="quality-elsewhere"),
    pytest.param({**VIDEO, "keyframe_1_image": "FILE", "keyframe_1_time": "7.5"},
                 "Keyframe 1 at 7.5 s is outside the 3 s clip", id="keyframe-outside"),
    pytest.param({**VIDEO, "keyframe_1_image": "FILE", "keyframe_1_time": "0"},
                 "Keyframe 1 at 0.0 s is outside the 3 s clip", id="keyframe-at-start"),
    pytest.param({**VIDEO, "keyframe_1_image": "FILE", "keyframe_1_time": "2",
                  "keyframe_2_image": "FILE", "keyframe_2_time": "2.2"}, TOO_CLOSE, id="too-close"),
    pytest.param({**VIDEO, "keyframe_1_time": "1"}, "Keyframe 1 needs an image", id="no-image"),
    pytest.param({**VIDEO, "keyframe_3_image": "FILE"}, "Give keyframe 1&#x27;s time in seconds.",
                 id="no-time"),
    pytest.param({**VIDEO, "model": BASE.name, "keyframe_1_image": "FILE", "keyframe_1_time": "1"},
                 f"{BASE.label} takes no keyframes; choose {V15.label}.", id="keyframes-elsewhere"),
    pytest.param({**VIDEO, "model": BASE.name, "voices": ["ara"]},
                 f"{BASE.label} speaks in no preset voice", id="voices-elsewhere"),
    pytest.param({**VIDEO, "voices": ["ara", "eve", "leo", "rex"]},
                 f"Choose at most {V15.max_voices} voices.", id="too-many-voices"),
    pytest.param({**VIDEO, "voices": ["gandalf"]}, "gandalf is not one of the available choices",
                 id="unknown-voice"),
    pytest.param({**VIDEO, "audio": "", "voices": ["ara"]}, "Voices need sound", id="voices-without-audio"),
    pytest.param({**VIDEO, "model": BASE.name, "resolution": "1080p"}, f"{BASE.label} does not offer 1080p.",
                 id="1080p-elsewhere"),
    pytest.param({**VIDEO, "mode": "reference", "references": "FILE", "resolution": "1080p"},
                 "With reference images the resolution is at most 720p.", id="1080p-with-references"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "message"), FORM_REFUSALS)
def test_the_form_refuses_with_a_clear_sentence_and_stores_nothing(owner_client, media_root, data, message):
    data = {k: upload() if v == "FILE" else v for k, v in data.items()}

    response = owner_client.post("/generate/", data, headers={"HX-Request": "true"})

    assert response.status_code == 200  # the form again, swapped in by htmx
    assert message in response.content.decode()
    assert_nothing_stored(media_root)


def test_a_keyframe_picture_of_another_person_is_refused(owner_client, stranger, media_root):
    theirs = own_image(stranger)

    response = owner_client.post(
        "/generate/", {**VIDEO, "keyframe_1_asset": str(theirs.pk), "keyframe_1_time": "1"},
        headers={"HX-Request": "true"},
    )  # fmt: skip

    assert "That image is not in your gallery." in response.content.decode()
    assert not Generation.objects.exists() and Asset.objects.count() == 1


API_VIDEO = {"prompt": "A kite over the dunes", "model": V15.name, "duration": 3}


def keyframes(*times, image="PNG") -> list[dict]:
    return [{"image": image, "timeS": t} for t in times]


API_REFUSALS = [
    pytest.param("/xai/images", {"prompt": "A kite", "model": PLAIN_IMAGE_MODEL.name, "quality": "low"},
                 "quality", f"Quality applies only to {QUALITY_MODEL.label}.", id="quality-elsewhere"),
    pytest.param("/xai/videos", {**API_VIDEO, "keyframes": keyframes(7.5)},
                 "keyframes", "Keyframe 1 at 7.5 s is outside the 3 s clip", id="keyframe-outside"),
    pytest.param("/xai/videos", {**API_VIDEO, "keyframes": keyframes(2.2, 2.0)},
                 "keyframes", TOO_CLOSE, id="too-close"),
    pytest.param("/xai/videos", {**API_VIDEO, "keyframes": keyframes(0.5, 1, 1.5, 2, 2.5)},
                 "keyframes", f"takes at most {V15.max_keyframes} keyframes", id="too-many-keyframes"),
    pytest.param("/xai/videos", {**API_VIDEO, "keyframes": keyframes(*range(50), image="https://x.org/k.png")},
                 "keyframes", f"at most {V15.max_keyframes} keyframes", id="fifty-keyframes-never-fetched"),
    pytest.param("/xai/videos", {**API_VIDEO, "keyframes": keyframes(10**400)},
                 "keyframes", "Give keyframe 1's time in seconds.", id="keyframe-time-no-float-holds"),
    pytest.param("/xai/videos", {**API_VIDEO, "mode": "reference", "images": ["PNG"] * 8},
                 "images", "Attach at most 7 reference images; you attached 8.", id="too-many-references"),
    pytest.param("/xai/videos", {**API_VIDEO, "keyframes": keyframes(1, image="data:image/png;base64,AAAA")},
                 "keyframes", "", id="keyframe-not-a-picture"),
    pytest.param("/xai/videos", {**API_VIDEO, "keyframes": keyframes(1, image="not an image")},
                 "keyframes[0].image", "Expected a data: URI, a gallery id or an http(s) URL.",
                 id="keyframe-bad-image"),
    pytest.param("/xai/videos", {**API_VIDEO, "model": BASE.name, "keyframes": keyframes(1)},
                 "keyframes", f"{BASE.label} takes no keyframes", id="keyframes-elsewhere"),
    pytest.param("/xai/videos", {**API_VIDEO, "mode": "reference", "images": ["PNG"],
                                 "keyframes": keyframes(1)},
                 "keyframes", "Mode reference takes no keyframes", id="keyframes-in-reference-mode"),
    pytest.param("/xai/videos", {**API_VIDEO, "voices": ["gandalf"]},
                 "voices", "“gandalf” is not one of xAI's preset voices", id="unknown-voice"),
    pytest.param("/xai/videos", {**API_VIDEO, "voices": ["ara", "eve", "leo", "rex"]},
                 "voices", f"Choose at most {V15.max_voices} voices.", id="too-many-voices"),
    pytest.param("/xai/videos", {**API_VIDEO, "audio": False, "voices": ["ara"]},
                 "voices", "Voices need sound", id="voices-without-audio"),
    pytest.param("/xai/videos", {**API_VIDEO, "model": BASE.name, "resolution": "1080p"},
                 "resolution", f"{BASE.label} does not offer 1080p.", id="1080p-elsewhere"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "body", "field", "message"), API_REFUSALS)
def test_the_api_refuses_naming_the_field_and_stores_nothing(api, media_root, path, body, field, message):
    picture = data_uri(png())
    body = {k: v for k, v in body.items()}
    if "keyframes" in body:
        body["keyframes"] = [{**k, "image": picture if k["image"] == "PNG" else k["image"]}
                             for k in body["keyframes"]]  # fmt: skip
    if "images" in body:
        body["images"] = [picture for _ in body["images"]]

    response = api.post(path, body, content_type="application/json")

    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert field in [e["field"] for e in errors], errors
    assert message in " ".join(e["message"] for e in errors)
    assert_nothing_stored(media_root)


def test_a_keyframe_from_another_persons_gallery_is_refused_at_keyframes(api, stranger, media_root):
    theirs = own_image(stranger)
    body = {**API_VIDEO, "keyframes": [{"image": theirs.pk, "timeS": 1}]}

    response = api.post("/xai/videos", body, content_type="application/json")

    assert response.status_code == 422, response.content
    refused = {
        "field": "keyframes",
        "code": "not_in_gallery",
        "message": "That image is not in your gallery.",
    }
    assert response.json()["errors"] == [refused]
    assert not Generation.objects.exists()


def test_the_published_schema_states_the_new_limits(api):
    schema = api.get("/xai/openapi.json").json()["components"]["schemas"]
    video, image = schema["VideoTaskIn"]["properties"], schema["ImageTaskIn"]["properties"]
    assert video["keyframes"]["maxItems"] == catalog.max_keyframes()
    assert video["keyframes"]["items"]["properties"]["timeS"]["exclusiveMinimum"] == 0
    assert video["voices"]["maxItems"] == V15.max_voices
    assert video["voices"]["items"]["enum"] == list(catalog.VOICES)
    assert image["quality"]["anyOf"][0]["enum"] == list(catalog.IMAGE_QUALITIES)
    assert QUALITY_MODEL.name in image["quality"]["description"]
