"""Generation's state machine, its presentation helpers, and the one-file-per-slot rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from grokstudio.studio import catalog, services
from grokstudio.studio.media.images import check_result
from grokstudio.studio.models import Asset, Generation, Reference, Status
from tests.factories import make_image

MODERATED_NOTE = "1 of 2 images was blocked by moderation."


@pytest.fixture
def generation(owner):
    return Generation.objects.create(
        user=owner, prompt="A red fox at dawn", model="grok-imagine-image",
        params={"aspect_ratio": "1:1", "resolution": "1k", "n": 1},
    )  # fmt: skip


def same_row(generation: Generation) -> Generation:
    """The row as a second worker would see it: a separate instance."""
    return Generation.objects.get(pk=generation.pk)


def set_status(generation: Generation, status: str) -> Generation:
    Generation.objects.filter(pk=generation.pk).update(status=status)
    generation.refresh_from_db()
    return generation


# --- claim ----------------------------------------------------------------------


def test_claim_moves_a_pending_generation_to_submitting(generation):
    assert generation.claim() is True

    generation.refresh_from_db()
    assert generation.status == Status.SUBMITTING
    assert generation.attempts == 1
    assert generation.started_at is not None


def test_claim_is_won_by_one_worker_only(generation):
    first, second = same_row(generation), same_row(generation)

    assert first.claim() is True
    assert second.claim() is False

    assert same_row(generation).attempts == 1
    assert second.status == Status.PENDING  # the loser's instance is left untouched


def test_claim_clears_the_previous_attempts_message(generation):
    generation.claim()
    generation.back_to_pending("xAI is busy (attempt 1)", "rate_limited")

    assert generation.claim() is True
    assert generation.message == ""
    assert generation.attempts == 2


@pytest.mark.parametrize("status", [s for s in Status if s != Status.PENDING])
def test_claim_refuses_anything_but_pending(generation, status):
    set_status(generation, status)

    assert generation.claim() is False
    assert same_row(generation).status == status


# --- back_to_pending ----------------------------------------------------------------


def test_back_to_pending_returns_a_submitting_generation_with_the_reason(generation):
    generation.claim()

    assert generation.back_to_pending("xAI is busy (attempt 1)", "rate_limited") is True

    row = same_row(generation)
    assert row.status == Status.PENDING
    assert row.message == "xAI is busy (attempt 1)"
    assert row.error_code == "rate_limited"


@pytest.mark.parametrize("status", [s for s in Status if s != Status.SUBMITTING])
def test_back_to_pending_only_moves_from_submitting(generation, status):
    set_status(generation, status)

    assert generation.back_to_pending("busy", "rate_limited") is False
    assert same_row(generation).status == status


def test_a_started_video_is_first_asked_about_within_a_second(generation, settings):
    settings.STUDIO_VIDEO_POLL_INTERVAL_S = 4.0
    generation.claim()
    before = timezone.now()

    assert generation.start_processing("req-1") is True

    row = same_row(generation)
    assert row.status == Status.PROCESSING
    assert before < row.next_poll_at <= timezone.now() + timedelta(seconds=1)


def test_a_started_video_is_asked_about_at_a_shorter_interval_if_one_is_set(generation, settings):
    settings.STUDIO_VIDEO_POLL_INTERVAL_S = 0.2
    generation.claim()

    generation.start_processing("req-1")

    assert same_row(generation).next_poll_at <= timezone.now() + timedelta(seconds=0.2)


# --- start_download and complete ------------------------------------------------------


def test_start_download_records_urls_and_cost(generation):
    generation.claim()

    assert generation.start_download(["https://x.test/1.png"], 200_000_000) is True

    row = same_row(generation)
    assert row.status == Status.DOWNLOADING
    assert row.result_urls == ["https://x.test/1.png"]
    assert row.cost_usd == pytest.approx(0.02)
    assert row.progress == 100


def test_complete_moves_a_downloading_generation_to_completed(generation):
    generation.claim()
    generation.start_download(["https://x.test/1.png"], None)

    assert generation.complete() is True

    row = same_row(generation)
    assert row.status == Status.COMPLETED
    assert row.finished_at is not None
    assert not row.is_active


def test_complete_keeps_a_note_about_moderated_images(generation):
    generation.claim()
    generation.start_download(["https://x.test/1.png", None], None, message=MODERATED_NOTE)

    generation.complete()

    assert same_row(generation).message == MODERATED_NOTE


def test_a_note_about_moderated_images_reaches_an_open_gallery(generation, owner_client):
    generation.claim()
    since = timezone.now().isoformat()  # the open gallery's last poll

    generation.start_download(["https://x.test/1.png", None], None, message=MODERATED_NOTE)

    poll = owner_client.get("/poll/", {"since": since}, headers={"HX-Request": "true"})
    assert f'id="gen-{generation.pk}"' in poll.text and MODERATED_NOTE in poll.text


def test_postpone_holds_a_pending_generation_with_its_reason_and_moves_its_card(generation):
    before, later = generation.updated_at, timezone.now() + timedelta(seconds=30)

    assert generation.postpone(later, "xAI is busy (uploading the clip)", "rate_limited") is True

    row = same_row(generation)
    assert (row.status, row.next_poll_at, row.error_code) == (Status.PENDING, later, "rate_limited")
    assert row.message == "xAI is busy (uploading the clip)" and row.updated_at > before


def test_postpone_for_a_slot_alone_leaves_the_card_where_open_galleries_have_it(generation):
    before, later = same_row(generation).updated_at, timezone.now() + timedelta(seconds=2)

    assert generation.postpone(later) is True

    row = same_row(generation)
    assert (row.next_poll_at, row.updated_at, row.message) == (later, before, "")


def test_postpone_after_a_failed_try_counts_it(generation):
    generation.postpone(timezone.now(), "xAI is busy (uploading the clip)", "rate_limited", failed_try=True)
    generation.postpone(timezone.now(), "xAI is busy (uploading the clip)", "rate_limited", failed_try=True)

    assert same_row(generation).poll_failures == 2


def test_postpone_leaves_a_claimed_generation_alone(generation):
    generation.claim()

    assert generation.postpone(timezone.now()) is False
    assert same_row(generation).next_poll_at is None


def test_fail_records_what_xai_billed_for_a_failed_render(generation):
    generation.claim()

    assert generation.fail("xAI could not make this video.", "internal_error", cost_usd_ticks=500) is True
    assert same_row(generation).cost_usd_ticks == 500


@pytest.mark.parametrize("status", [s for s in Status if s != Status.DOWNLOADING])
def test_complete_only_moves_from_downloading(generation, status):
    set_status(generation, status)

    assert generation.complete() is False
    assert same_row(generation).status == status


# --- fail -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.PENDING, Status.SUBMITTING, Status.PROCESSING, Status.DOWNLOADING])
def test_fail_ends_an_active_generation_with_message_and_code(generation, status):
    set_status(generation, status)

    assert generation.fail("The prompt was refused by moderation.", "content_moderated") is True

    row = same_row(generation)
    assert row.status == Status.FAILED
    assert row.message == "The prompt was refused by moderation."
    assert row.error_code == "content_moderated"
    assert row.finished_at is not None


def test_fail_can_end_in_another_final_status(generation):
    assert generation.fail("Took too long.", "deadline", status=Status.TIMEOUT) is True

    assert same_row(generation).status == Status.TIMEOUT


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.FAILED, Status.CANCELLED, Status.TIMEOUT])
def test_fail_refuses_a_final_state(generation, status):
    set_status(generation, status)

    assert generation.fail("late failure", "late") is False

    row = same_row(generation)
    assert row.status == status
    assert row.message == ""


def test_fail_keeps_the_message_within_its_column(generation):
    generation.fail("x" * 900, "long")

    assert len(same_row(generation).message) == 500


# --- presentation --------------------------------------------------------------------------


def test_download_name_uses_the_prompts_words_and_the_id(generation):
    generation.prompt = "A Red Fox, at dawn!  (photo)"

    assert generation.download_name(0, "png") == f"grok-a-red-fox-at-dawn-photo-{generation.pk}.png"


def test_download_name_numbers_the_images_of_a_batch(generation):
    generation.params["n"] = 4

    assert generation.download_name(0, "jpg") == f"grok-a-red-fox-at-dawn-{generation.pk}-1.jpg"
    assert generation.download_name(3, "jpg") == f"grok-a-red-fox-at-dawn-{generation.pk}-4.jpg"


def test_download_name_shortens_a_long_prompt_without_a_trailing_dash(generation):
    generation.prompt = "word " * 40

    name = generation.download_name(0, "png")

    stem = name.removeprefix("grok-").removesuffix(f"-{generation.pk}.png")
    assert len(stem) <= 48
    assert not stem.endswith("-")
    assert stem.startswith("word-word")


def test_download_name_falls_back_when_the_prompt_has_no_latin_words(generation):
    generation.prompt = "日本の狐 🦊"

    assert generation.download_name(0, "png") == f"grok-generation-{generation.pk}.png"


@pytest.mark.parametrize(("n", "columns"), [(1, 1), (2, 2), (3, 2), (4, 2), (5, 3), (6, 3), (9, 3), (10, 4)])
def test_grid_columns_follow_the_image_count(generation, n, columns):
    generation.params["n"] = n

    assert generation.grid_columns == columns


@pytest.mark.parametrize(
    ("n", "aspect_ratio", "classes"),
    [
        (1, "1:1", "cols-1 rows-1 shape-1x1"),
        (1, "16:9", "cols-1 rows-1 shape-16x9"),
        (1, "9:19.5", "cols-1 rows-1 shape-9x19_5"),
        (4, "1:1", "cols-2 rows-2 shape-1x1"),
        (2, "16:9", "cols-2 rows-1 shape-16x9"),
        (5, "3:4", "cols-3 rows-2 shape-3x4"),
        (10, "2:1", "cols-4 rows-3 shape-2x1"),
        (1, "", "cols-1 rows-1 shape-1x1"),
        (3, "", "cols-2 rows-2 shape-1x1"),
        (1, "nonsense", "cols-1 rows-1 shape-1x1"),
    ],
)
def test_grid_classes_give_the_final_shape_of_the_card(generation, n, aspect_ratio, classes):
    generation.params.update(n=n, aspect_ratio=aspect_ratio)

    assert generation.grid_classes == classes


@pytest.mark.parametrize(
    ("shape", "shape_class"),
    [("1920:1080", "shape-16x9"), ("1000:700", "shape-3x2"), ("700:1000", "shape-2x3"),
     ("640:640", "shape-1x1"), ("0:480", "shape-1x1"), ("-4:3", "shape-1x1")],
)  # fmt: skip
def test_a_shape_set_by_an_input_takes_the_nearest_catalog_ratio(generation, shape, shape_class):
    generation.params.update(n=1, aspect_ratio="", shape=shape)

    assert generation.grid_classes.split()[-1] == shape_class


def test_grid_helpers_work_without_params(owner):
    generation = Generation(user=owner, prompt="p", model="grok-imagine-image")

    assert generation.grid_columns == 1
    assert generation.grid_classes == "cols-1 rows-1 shape-1x1"


def test_studio_css_has_a_class_for_every_grid_a_card_can_take(owner):
    css = (settings.BASE_DIR / "static" / "css" / "studio.css").read_text()
    generation = Generation(user=owner, prompt="p", model="grok-imagine-image")
    most = max(m.max_images for m in catalog.IMAGE_MODELS.values())
    for n in range(1, most + 1):
        for ratio in catalog.ASPECT_RATIOS:
            generation.params = {"n": n, "aspect_ratio": ratio}
            for name in generation.grid_classes.split():
                # The single column and row are the defaults of .tiles itself.
                assert name in {"cols-1", "rows-1"} or f".{name} " in css, name


# --- Asset ------------------------------------------------------------------------------------


def output(generation: Generation, index: int = 0) -> Asset:
    return services.store_image(
        user=generation.user, role=Asset.Role.OUTPUT, image=check_result(make_image()),
        generation=generation, index=index,
    )  # fmt: skip


def stored_files(media_root) -> list:
    return sorted(p for p in media_root.rglob("*") if p.is_file())


def test_an_output_slot_holds_one_asset(generation):
    output(generation, 0)

    with pytest.raises(IntegrityError), transaction.atomic():
        Asset.objects.create(
            user=generation.user, generation=generation, role=Asset.Role.OUTPUT, index=0,
            file="output/x.png", content_type="image/png",
        )  # fmt: skip


def test_other_output_slots_of_the_same_generation_are_free(generation):
    output(generation, 0)
    output(generation, 1)

    assert list(generation.outputs.values_list("index", flat=True)) == [0, 1]


def test_the_slot_rule_does_not_apply_to_uploads(owner):
    for _ in range(2):
        Asset.objects.create(user=owner, role=Asset.Role.UPLOAD, index=0, file="upload/x.png",
                             content_type="image/png")  # fmt: skip

    assert Asset.objects.filter(role=Asset.Role.UPLOAD).count() == 2


def test_storing_a_filled_slot_again_leaves_no_stray_files(generation, media_root):
    output(generation, 0)
    files_before = stored_files(media_root)

    with pytest.raises(IntegrityError), transaction.atomic():
        output(generation, 0)

    assert stored_files(media_root) == files_before
    assert generation.outputs.count() == 1


def test_an_output_is_downloaded_under_its_generations_name(generation):
    asset = output(generation)

    assert asset.extension == "png"
    assert asset.download_name() == f"grok-a-red-fox-at-dawn-{generation.pk}.png"


def test_an_upload_is_downloaded_under_its_original_name(owner):
    asset = services.store_image(
        user=owner, role=Asset.Role.UPLOAD, image=check_result(make_image("JPEG")), original_name="cat.jpeg"
    )

    assert asset.download_name() == "cat.jpeg"
    assert asset.file.name.startswith(f"upload/{owner.pk}/")


def test_deleting_a_user_removes_their_generations_references_and_assets(generation):
    upload = services.store_image(
        user=generation.user, role=Asset.Role.UPLOAD, image=check_result(make_image())
    )
    Reference.objects.create(generation=generation, asset=upload, position=0)
    output(generation)

    generation.user.delete()

    assert not Generation.objects.exists()
    assert not Reference.objects.exists()
    assert not Asset.objects.exists()


def test_deleting_a_generation_keeps_the_uploads_it_used(generation):
    upload = services.store_image(
        user=generation.user, role=Asset.Role.UPLOAD, image=check_result(make_image())
    )
    Reference.objects.create(generation=generation, asset=upload, position=0)
    output(generation)

    generation.delete()

    assert not Reference.objects.exists()
    assert list(Asset.objects.all()) == [upload]


def test_an_upload_in_use_cannot_be_deleted_on_its_own(generation):
    upload = services.store_image(
        user=generation.user, role=Asset.Role.UPLOAD, image=check_result(make_image())
    )
    Reference.objects.create(generation=generation, asset=upload, position=0)

    with pytest.raises(IntegrityError), transaction.atomic():
        upload.delete()

    assert Asset.objects.filter(pk=upload.pk).exists()
