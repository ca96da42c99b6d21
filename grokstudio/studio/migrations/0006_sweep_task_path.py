"""The sweep's task moved with the rest of the worker code into studio/generation/."""

from django.db import migrations

OLD = "grokstudio.studio.tasks.sweep_generations"
NEW = "grokstudio.studio.generation.tasks.sweep_generations"


def forward(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=OLD).update(func=NEW)


def backward(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=NEW).update(func=OLD)


class Migration(migrations.Migration):
    dependencies = [("studio", "0005_rate_slots"), ("django_q", "0018_task_success_index")]
    operations = [migrations.RunPython(forward, backward)]
