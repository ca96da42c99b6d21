"""The video create form: every mode and model checked against the one table, every clip with PyAV.

Limits come from `catalog.VIDEO_MODELS`, never from numbers written here, so the
tests follow the table when it changes. Bad uploads are also posted to
/generate/ with kind=video: a message beside the field, nothing stored, never a 500.
"""

from __future__ import annotations

import dataclasses
import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict

from grokstudio.emulator.render_video import render_video
from grokstudio.studio import catalog, services
from grokstudio.studio.media.clips import CheckedClip, check_clip
from grokstudio.studio.media.images import CheckedImage, check_reference
from grokstudio.studio.models import Asset, Generation
from grokstudio.studio.web.forms import VideoGenerationForm
from tests.factories import make_clip, make_image

Mode = catalog.VideoMode
BASE = catalog.VIDEO_MODELS["grok-imagine-video"]
V15 = catalog.VIDEO_MODELS["grok-imagine-video-1.5"]
MODELS = [pytest.param(m, id=m.name) for m in catalog.VIDEO_MODELS.values()]
VALID = {"mode": Mode.TEXT, "prompt": "A paper boat on a pond", "model": BASE.name, "duration": "2",
         "aspect_ratio": "16:9", "resolution": "480p", "audio": "on"}  # fmt: skip
FILE_FIELDS = ("image", "last_frame", "references", "video")

CLIP = make_clip(2.0)
# The index first, as web encoders write it: cut short, such a file still opens.
FASTSTART = render_video(prompt="a pond", width=64, height=36, duration_s=2.0, audio=False)
EDIT_TOO_LONG_S = int(BASE.edit_input_max_seconds) + 1  # 9 s: over video to video's 8.7 s
EXTEND_TOO_LONG_S = int(BASE.extend_input_seconds[1]) + 1  # 16 s: over extend's 15 s


def image_file(name: str = "still.png", size=(90, 160)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_image("PNG", size), content_type="image/png")


def clip_file(name: str = "clip.mp4", data: bytes = CLIP) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="video/mp4")


def make_form(user=None, **changes) -> VideoGenerationForm:
    """A bound form: files go in as SimpleUploadedFile (or a list of them for references)."""
    data = {**VALID, **{k: v for k, v in changes.items() if k not in FILE_FIELDS}}
    files = MultiValueDict()
    for name in FILE_FIELDS:
        if name in changes:
            value = changes[name]
            files.setlist(name, value if isinstance(value, list) else [value])
    return VideoGenerationForm({k: str(v) for k, v in data.items() if v is not None}, files, user=user)


def own_image(user, size=(160, 90)) -> Asset:
    return services.store_image(
        user=user, role=Asset.Role.OUTPUT, image=check_reference(make_image("PNG", size))
    )


def own_video(user, seconds: float = 3.0) -> Asset:
    return services.store_clip(user=user, role=Asset.Role.OUTPUT, clip=check_clip(make_clip(seconds)))


def refs(count: int) -> list[SimpleUploadedFile]:
    return [image_file(f"ref{i}.png", (64, 64)) for i in range(count)]


def durations_around(allowed: range) -> list[int]:
    return [allowed[0] - 1, allowed[-1] + 1]


# --- durations, per mode and per model ----------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_it_accepts_every_duration_the_model_makes_from_a_prompt(model):
    for duration in model.durations:
        form = make_form(model=model.name, duration=duration)
        assert form.is_valid(), (duration, form.errors)
        assert form.cleaned_data["duration"] == duration


@pytest.mark.parametrize("model", MODELS)
def test_it_refuses_a_duration_outside_the_models_range(model):
    for duration in durations_around(model.durations):
        form = make_form(model=model.name, duration=duration)
        assert "duration" in form.errors, duration


@pytest.mark.parametrize("model", MODELS)
def test_image_to_video_takes_the_models_durations(model):
    for duration in (model.durations[0], model.durations[-1]):
        assert make_form(mode=Mode.IMAGE, model=model.name, duration=duration, image=image_file()).is_valid()
    for duration in durations_around(model.durations):
        form = make_form(mode=Mode.IMAGE, model=model.name, duration=duration, image=image_file())
        assert "duration" in form.errors, duration


def test_image_to_video_reads_its_durations_from_the_table(monkeypatch):
    short = dataclasses.replace(BASE, durations=range(1, 7))
    monkeypatch.setitem(catalog.VIDEO_MODELS, BASE.name, short)

    form = make_form(mode=Mode.IMAGE, duration=10, image=image_file())

    assert form.errors["duration"] == ["Grok Imagine Video makes 1 to 6 seconds."]


@pytest.mark.parametrize("model", MODELS)
def test_reference_to_video_is_shorter(model):
    longest = model.reference_durations[-1]
    assert make_form(mode=Mode.REFERENCE, model=model.name, duration=longest, references=refs(1)).is_valid()

    form = make_form(mode=Mode.REFERENCE, model=model.name, duration=longest + 1, references=refs(1))

    assert form.errors["duration"] == [f"With reference images a video is at most {longest} seconds."]


@pytest.mark.parametrize("model", MODELS)
def test_an_extension_adds_only_the_seconds_the_table_allows(model, owner):
    clip = own_video(owner, seconds=3.0)
    allowed = model.extend_durations
    for duration in allowed:
        form = make_form(owner, mode=Mode.EXTEND, model=model.name, duration=duration, video_asset=clip.pk)
        assert form.is_valid(), (duration, form.errors)
    for duration in durations_around(allowed):
        form = make_form(owner, mode=Mode.EXTEND, model=model.name, duration=duration, video_asset=clip.pk)
        assert form.errors["duration"] == [f"An extension adds {allowed[0]} to {allowed[-1]} seconds."]


# --- resolution and 1.5-only features ----------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_it_accepts_every_resolution_the_model_offers(model):
    for resolution in model.resolutions:
        assert make_form(model=model.name, resolution=resolution).is_valid(), resolution


def test_1080p_is_only_on_grok_imagine_video_1_5():
    assert "1080p" not in BASE.resolutions and "1080p" in V15.resolutions

    form = make_form(model=BASE.name, resolution="1080p")

    assert form.errors["resolution"] == ["Grok Imagine Video does not offer 1080p."]
    assert make_form(model=V15.name, resolution="1080p").is_valid()


def test_1080p_does_not_go_with_reference_images():
    form = make_form(mode=Mode.REFERENCE, model=V15.name, resolution="1080p", references=refs(2))

    assert form.errors["resolution"] == ["With reference images the resolution is at most 720p."]


@pytest.mark.parametrize("mode", [Mode.TEXT, Mode.IMAGE])
def test_a_last_frame_needs_grok_imagine_video_1_5(mode):
    form = make_form(mode=mode, model=BASE.name, image=image_file(), last_frame=image_file("end.png"))

    assert form.errors["last_frame"] == [
        "Grok Imagine Video cannot pin a last frame; choose Grok Imagine Video 1.5."
    ]


@pytest.mark.parametrize("mode", [Mode.TEXT, Mode.IMAGE])
def test_grok_imagine_video_1_5_takes_a_last_frame(mode):
    form = make_form(mode=mode, model=V15.name, image=image_file(), last_frame=image_file("end.png"))

    assert form.is_valid(), form.errors
    assert isinstance(form.cleaned_data["last_frame"], CheckedImage)


# --- references ---------------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_it_takes_as_many_reference_images_as_the_model_allows(model):
    form = make_form(mode=Mode.REFERENCE, model=model.name, references=refs(model.max_reference_images))

    assert form.is_valid(), form.errors
    assert len(form.cleaned_data["references"]) == model.max_reference_images


def test_it_refuses_more_than_seven_reference_images():
    most = max(m.max_reference_images for m in catalog.VIDEO_MODELS.values())

    form = make_form(mode=Mode.REFERENCE, references=refs(most + 1))

    assert form.errors["references"] == [f"Attach at most {most} reference images; you attached {most + 1}."]


def test_it_refuses_more_references_than_the_chosen_model_takes(monkeypatch):
    monkeypatch.setitem(catalog.VIDEO_MODELS, BASE.name, dataclasses.replace(BASE, max_reference_images=2))

    form = make_form(mode=Mode.REFERENCE, references=refs(3))

    assert form.errors["references"] == ["Grok Imagine Video takes at most 2 reference images."]


# --- inputs each mode needs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "field", "message"),
    [
        (Mode.IMAGE, "image", "Choose the image to animate."),
        (Mode.REFERENCE, "references", "Attach at least one reference image."),
        (Mode.VIDEO, "video", "Choose the clip to start from."),
        (Mode.EXTEND, "video", "Choose the clip to start from."),
    ],
)
def test_each_mode_asks_for_its_input(mode, field, message):
    form = make_form(mode=mode)

    assert form.errors[field] == [message]


def test_text_to_video_needs_only_a_prompt():
    form = make_form()

    assert form.is_valid(), form.errors
    assert form.cleaned_data["image"] is None
    assert form.cleaned_data["references"] == []
    assert form.cleaned_data["video"] is None


def test_it_refuses_an_unknown_mode():
    assert "mode" in make_form(mode="teleport").errors


# --- gallery items: only the user's own --------------------------------------------------------


def test_it_animates_the_users_own_gallery_image(owner):
    still = own_image(owner)

    form = make_form(owner, mode=Mode.IMAGE, image_asset=still.pk)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["image_asset"] == still


def test_it_starts_from_the_users_own_gallery_video(owner):
    clip = own_video(owner)

    form = make_form(owner, mode=Mode.VIDEO, video_asset=clip.pk)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["video_asset"] == clip


def test_it_refuses_another_users_image(owner, stranger):
    theirs = own_image(stranger)

    form = make_form(owner, mode=Mode.IMAGE, image_asset=theirs.pk)

    assert not form.is_valid()
    assert "That image is not in your gallery." in form.non_field_errors()


@pytest.mark.parametrize("mode", [Mode.VIDEO, Mode.EXTEND])
def test_it_refuses_another_users_video(owner, stranger, mode):
    theirs = own_video(stranger)

    form = make_form(owner, mode=mode, video_asset=theirs.pk)

    assert not form.is_valid()
    assert "That video is not in your gallery." in form.non_field_errors()


def test_it_refuses_a_gallery_item_of_the_wrong_kind(owner):
    clip = own_video(owner)

    form = make_form(owner, mode=Mode.IMAGE, image_asset=clip.pk)

    assert "That image is not in your gallery." in form.non_field_errors()


def test_it_refuses_a_gallery_video_too_long_to_edit(owner):
    clip = own_video(owner, seconds=EDIT_TOO_LONG_S)

    form = make_form(owner, mode=Mode.VIDEO, video_asset=clip.pk)

    assert form.errors["video"] == [
        f"The clip is {EDIT_TOO_LONG_S:.1f} s; video to video takes at most {BASE.edit_input_max_seconds} s."
    ]


# --- what a mode does not use is ignored -------------------------------------------------------


def test_text_to_video_ignores_inputs_it_does_not_use(owner, stranger):
    form = make_form(
        owner, image=image_file(), references=refs(2), video=clip_file(),
        image_asset=own_image(stranger).pk, video_asset=own_video(stranger).pk,
    )  # fmt: skip

    assert form.is_valid(), form.errors
    data = form.cleaned_data
    assert (data["image"], data["image_asset"], data["video"], data["video_asset"]) == (None,) * 4
    assert data["references"] == []


def test_an_unused_upload_is_not_even_checked():
    # A clip picked in another mode stays in its (hidden) input when the person switches to text.
    form = make_form(video=clip_file("notes.mp4", b"not a video at all"))

    assert form.is_valid(), form.errors
    assert form.cleaned_data["video"] is None


@pytest.mark.parametrize("mode", [Mode.REFERENCE, Mode.VIDEO, Mode.EXTEND])
def test_a_last_frame_is_ignored_where_it_cannot_apply(mode, owner):
    form = make_form(
        owner, mode=mode, model=V15.name, references=refs(1), video_asset=own_video(owner).pk,
        last_frame=image_file("end.png"),
    )  # fmt: skip

    assert form.is_valid(), form.errors
    assert form.cleaned_data["last_frame"] is None


def test_image_to_video_ignores_a_clip_and_references():
    form = make_form(mode=Mode.IMAGE, image=image_file(), video=clip_file(), references=refs(1))

    assert form.is_valid(), form.errors
    assert isinstance(form.cleaned_data["image"], CheckedImage)
    assert (form.cleaned_data["video"], form.cleaned_data["references"]) == (None, [])


# --- uploaded clips, checked with PyAV ---------------------------------------------------------


def test_a_good_clip_is_checked_and_measured():
    form = make_form(mode=Mode.VIDEO, video=clip_file())

    assert form.is_valid(), form.errors
    clip = form.cleaned_data["video"]
    assert isinstance(clip, CheckedClip)
    assert (clip.codec, clip.width, clip.height) == ("h264", 64, 36)
    assert clip.duration_s == pytest.approx(2.0, abs=0.05)
    assert clip.poster[:4] == b"RIFF"  # a WebP poster frame


# (mode, file name, bytes, the message beside the field); bytes are made once, at import.
BAD_CLIPS = [
    pytest.param(Mode.VIDEO, "notes.mp4", b"Dear diary, not a video.\n" * 20,
                 "This file is not a video that can be read", id="renamed-text-file"),
    pytest.param(Mode.VIDEO, "photo.mp4", make_image("PNG"), "not supported; use MP4", id="renamed-image"),
    pytest.param(Mode.VIDEO, "cut.mp4", CLIP[: len(CLIP) // 2],
                 "The video is damaged or incomplete.", id="truncated-mp4-index-last"),
    pytest.param(Mode.VIDEO, "cut.mp4", FASTSTART[: len(FASTSTART) * 3 // 4],
                 "The video is damaged or incomplete.", id="truncated-mp4-index-first"),
    pytest.param(Mode.VIDEO, "empty.mp4", b"", "The file is empty.", id="empty-file"),
    pytest.param(Mode.VIDEO, "clip.mov", make_clip(fmt="mov"), "QuickTime files are not supported; use MP4.",
                 id="quicktime-mov"),
    pytest.param(Mode.EXTEND, "clip.3gp", make_clip(fmt="3gp"), "3GPP files are not supported; use MP4.",
                 id="3gpp"),
    pytest.param(Mode.VIDEO, "clip.webm", make_clip(fmt="webm", codec="libvpx"),
                 "WebM files are not supported; use MP4.", id="webm-vp8"),
    pytest.param(Mode.EXTEND, "clip.mp4", make_clip(codec="mpeg4"),
                 "The mpeg4 codec is not supported; use H.264, H.265, AV1.", id="mpeg4-codec"),
    pytest.param(Mode.VIDEO, "long.mp4", make_clip(EDIT_TOO_LONG_S),
                 f"video to video takes at most {BASE.edit_input_max_seconds} s", id="too-long-to-edit"),
    pytest.param(Mode.EXTEND, "long.mp4", make_clip(EXTEND_TOO_LONG_S),
                 "an extension starts from 2 to 15 s", id="too-long-to-extend"),
    pytest.param(Mode.EXTEND, "short.mp4", make_clip(1.0), "an extension starts from 2 to 15 s",
                 id="too-short-to-extend"),
]  # fmt: skip


@pytest.mark.parametrize(("mode", "name", "data", "message"), BAD_CLIPS)
def test_the_form_refuses_a_bad_clip(mode, name, data, message):
    form = make_form(mode=mode, video=clip_file(name, data))

    assert not form.is_valid()
    assert message in " ".join(form.errors["video"])


def test_the_form_names_the_file_it_refuses():
    form = make_form(mode=Mode.VIDEO, video=clip_file("holiday.webm", make_clip(fmt="webm", codec="libvpx")))

    assert form.errors["video"][0].startswith("“holiday.webm”: ")


def test_the_form_refuses_an_oversize_clip_before_reading_it(settings):
    settings.STUDIO_MAX_VIDEO_UPLOAD_MB = 1

    form = make_form(mode=Mode.VIDEO, video=clip_file("big.mp4", CLIP + b"\0" * (1024 * 1024)))

    assert form.errors["video"] == ["“big.mp4”: the file is larger than 1 MB."]


# --- the same through POST /generate/ ----------------------------------------------------------

URL = "/generate/"
HTMX = {"HX-Request": "true"}


def field_error(response, field: str) -> str:
    """The text of the error shown beside one field, or "" if there is none."""
    match = re.search(rf'<div class="error" id="id_{field}-error"[^>]*>(.*?)</div>', response.text, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


def stored_files(media_root) -> list:
    return [p for p in media_root.rglob("*") if p.is_file()]


def video_post(mode: str, upload: SimpleUploadedFile, **changes) -> dict:
    return {**VALID, "kind": "video", "mode": mode, "video": upload, **changes}


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
@pytest.mark.parametrize(("mode", "name", "data", "message"), BAD_CLIPS)
def test_posting_a_bad_clip_answers_at_the_field_and_stores_nothing(
    owner_client, media_root, django_capture_on_commit_callbacks, htmx, mode, name, data, message
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = owner_client.post(
            URL, video_post(mode, clip_file(name, data)), headers=HTMX if htmx else {}
        )

    assert response.status_code == (200 if htmx else 400)
    assert message in field_error(response, "video")
    assert 'name="kind" value="video"' in response.text
    assert not Generation.objects.exists()
    assert not Asset.objects.exists()
    assert callbacks == []
    assert stored_files(media_root) == []


def test_posting_an_oversize_clip_answers_at_the_field_and_stores_nothing(owner_client, settings, media_root):
    settings.STUDIO_MAX_VIDEO_UPLOAD_MB = 1
    big = clip_file("big.mp4", CLIP + b"\0" * (1024 * 1024))

    response = owner_client.post(URL, video_post(Mode.VIDEO, big), headers=HTMX)

    assert response.status_code == 200
    assert field_error(response, "video") == "“big.mp4”: the file is larger than 1 MB."
    assert not Generation.objects.exists()
    assert stored_files(media_root) == []


def test_posting_another_users_video_is_refused_and_stores_nothing(owner_client, stranger, media_root):
    theirs = own_video(stranger)
    files_before = stored_files(media_root)

    response = owner_client.post(
        URL, {**VALID, "kind": "video", "mode": Mode.EXTEND, "video_asset": theirs.pk}, headers=HTMX
    )

    assert response.status_code == 200
    assert "That video is not in your gallery." in response.text
    assert not Generation.objects.exists()
    assert stored_files(media_root) == files_before


def test_posting_a_good_clip_stores_it_as_the_users_upload(owner_client, owner):
    response = owner_client.post(URL, video_post(Mode.VIDEO, clip_file("pond.mp4")), headers=HTMX)

    assert response.status_code == 200
    generation = Generation.objects.get()
    assert (generation.kind, generation.params["mode"]) == ("video", Mode.VIDEO)
    source = generation.references.get().asset
    assert (source.user, source.role, source.kind) == (owner, Asset.Role.UPLOAD, "video")
    assert (source.width, source.height, source.original_name) == (64, 36, "pond.mp4")
    assert source.duration_s == pytest.approx(2.0, abs=0.05)
    assert source.thumbnail.name.endswith(".webp")
    # The output keeps the clip's shape and length, so the card promises no other.
    assert generation.params["shape"] == "64:36"
    assert generation.params["duration"] is None
