"""A keyframe's time lives on its own Reference row, beside its picture.

The database holds every keyframe to a time and every other input to none, and the migration
that moved the times out of the generation's params paired them with the pictures in the order
of their positions, and puts them back there when undone.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from grokstudio.studio import services
from grokstudio.studio.media.images import check_reference
from grokstudio.studio.models import Asset, Generation, Kind, Reference
from tests.factories import make_image

BEFORE = ("studio", "0012_drop_rate_slots")
AFTER = ("studio", "0013_keyframe_times_on_references")
OPTIONS = {"mode": "image", "n": 1, "duration": 3, "resolution": "480p", "audio": True, "voices": ["eve"]}


@pytest.fixture
def picture(owner):
    return services.store_image(user=owner, role=Asset.Role.UPLOAD, image=check_reference(make_image()))


@pytest.fixture
def video(owner):
    return Generation.objects.create(
        user=owner, kind=Kind.VIDEO, prompt="A kite", model="grok-imagine-video-1.5"
    )


# --- the rule in the database -------------------------------------------------------------------


def test_a_keyframe_without_a_time_is_refused(video, picture):
    with pytest.raises(IntegrityError), transaction.atomic():
        Reference.objects.create(generation=video, asset=picture, position=0, role=Reference.Role.KEYFRAME)


def test_an_input_other_than_a_keyframe_takes_no_time(video, picture):
    with pytest.raises(IntegrityError), transaction.atomic():
        Reference.objects.create(
            generation=video, asset=picture, position=0, role=Reference.Role.FIRST_FRAME, time_s=1.0
        )


# --- the migration ------------------------------------------------------------------------------


@pytest.fixture
def migrate(transactional_db):
    """Move the database to a migration; answers the models as they were there. The database
    is at the newest migration again afterwards."""

    def to(target: tuple[str, str]):
        executor = MigrationExecutor(connection)
        executor.migrate([target])
        return executor.loader.project_state([target]).apps

    yield to
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def old_style_video(apps, owner, times: list[float], keyframes: list[int]) -> int:
    """A video as the studio stored it before: a starting picture at position 0, then keyframe
    pictures at `keyframes` (made in that order), their times in params in position order."""
    Generation = apps.get_model("studio", "Generation")
    Asset = apps.get_model("studio", "Asset")
    Reference = apps.get_model("studio", "Reference")
    generation = Generation.objects.create(
        user_id=owner.pk, kind="video", prompt="A kite", model="grok-imagine-video-1.5",
        params={**OPTIONS, "keyframes": times},
    )  # fmt: skip
    for position, role in [(0, "first_frame"), *((p, "keyframe") for p in keyframes)]:
        asset = Asset.objects.create(
            user_id=owner.pk, role="upload", file=f"upload/{owner.pk}/{generation.pk}-{position}.png",
            content_type="image/png",
        )  # fmt: skip
        Reference.objects.create(generation=generation, asset=asset, position=position, role=role)
    return generation.pk


def times_by_position(apps, generation_id: int) -> dict[int, float | None]:
    Reference = apps.get_model("studio", "Reference")
    return dict(Reference.objects.filter(generation_id=generation_id).values_list("position", "time_s"))


@pytest.mark.django_db(transaction=True)
def test_migrating_gives_each_keyframe_row_its_time_in_the_order_of_positions(migrate, owner):
    old = migrate(BEFORE)
    # Rows made out of order: the time goes by position, as the studio paired them.
    video = old_style_video(old, owner, [2.5, 0.5, 1.5], keyframes=[3, 1, 2])
    image = old.get_model("studio", "Generation").objects.create(
        user_id=owner.pk, kind="image", prompt="A fox", model="grok-imagine-image", params={"n": 2}
    )

    new = migrate(AFTER)

    assert times_by_position(new, video) == {0: None, 1: 2.5, 2: 0.5, 3: 1.5}
    Generation = new.get_model("studio", "Generation")
    assert Generation.objects.get(pk=video).params == OPTIONS
    assert Generation.objects.get(pk=image.pk).params == {"n": 2}


@pytest.mark.django_db(transaction=True)
def test_undoing_the_migration_writes_the_times_back_to_params(migrate, owner):
    video = old_style_video(migrate(BEFORE), owner, [2.5, 0.5, 1.5], keyframes=[3, 1, 2])
    migrate(AFTER)

    old = migrate(BEFORE)

    assert old.get_model("studio", "Generation").objects.get(pk=video).params == {
        **OPTIONS, "keyframes": [2.5, 0.5, 1.5]
    }  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_migrating_names_a_generation_whose_times_do_not_match_its_pictures(migrate, owner):
    old = migrate(BEFORE)
    fine = old_style_video(old, owner, [1.0], keyframes=[1])
    broken = old_style_video(old, owner, [1.0, 2.0], keyframes=[1])

    with pytest.raises(ValueError, match=f"Generations #{broken} have a different number"):
        migrate(AFTER)

    # Nothing was changed: the times are where they were.
    Generation = old.get_model("studio", "Generation")
    assert Generation.objects.get(pk=fine).params["keyframes"] == [1.0]
    Generation.objects.filter(pk=broken).delete()
