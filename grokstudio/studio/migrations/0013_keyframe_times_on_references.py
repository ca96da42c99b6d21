"""Each keyframe's time moves onto its own Reference row, from the generation's params.

The times were kept in `params["keyframes"]`, one per keyframe Reference in the order of their
position, and paired with the pictures by that order alone. Here they are paired that same way
once and stored beside their picture; going back writes them to params again in that order.
A generation whose count of times and of keyframe pictures differ could never be sent; it is
named rather than given times that may belong to other pictures.
"""

from django.db import migrations, models

KEYFRAME = "keyframe"


def times_to_references(apps, schema_editor):
    Generation = apps.get_model("studio", "Generation")
    Reference = apps.get_model("studio", "Reference")
    mismatched = []
    for generation in list(Generation.objects.filter(params__has_key="keyframes").only("params")):
        times = generation.params.pop("keyframes") or []
        rows = list(Reference.objects.filter(generation=generation, role=KEYFRAME).order_by("position"))
        if len(rows) != len(times):
            mismatched.append(generation.pk)
            continue
        for row, time_s in zip(rows, times):
            row.time_s = time_s
        Reference.objects.bulk_update(rows, ["time_s"])
        generation.save(update_fields=["params"])
    mismatched += Reference.objects.filter(role=KEYFRAME, time_s=None).values_list("generation_id", flat=True)
    if mismatched:
        ids = ", ".join(f"#{pk}" for pk in sorted(set(mismatched)))
        raise ValueError(
            f"Generations {ids} have a different number of keyframe times (params['keyframes']) "
            "than keyframe pictures; correct or delete them, then migrate again."
        )


def times_to_params(apps, schema_editor):
    Generation = apps.get_model("studio", "Generation")
    Reference = apps.get_model("studio", "Reference")
    times: dict[int, list[float]] = {}
    keyframes = Reference.objects.filter(role=KEYFRAME).order_by("generation_id", "position")
    for generation_id, time_s in keyframes.values_list("generation_id", "time_s"):
        times.setdefault(generation_id, []).append(time_s)
    for generation_id, generation_times in times.items():
        generation = Generation.objects.only("params").get(pk=generation_id)
        generation.params = {**generation.params, "keyframes": generation_times}
        generation.save(update_fields=["params"])


class Migration(migrations.Migration):
    dependencies = [
        ("studio", "0012_drop_rate_slots"),
    ]

    operations = [
        migrations.AddField(
            model_name="reference",
            name="time_s",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.RunPython(times_to_references, times_to_params),
        migrations.AddConstraint(
            model_name="reference",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("role", "keyframe"), ("time_s__isnull", False)),
                    models.Q(models.Q(("role", "keyframe"), _negated=True), ("time_s__isnull", True)),
                    _connector="OR",
                ),
                name="time_for_keyframes_only",
            ),
        ),
    ]
