"""django-q2 entry points: thin, idempotent nudges into the pipeline."""

from grokstudio.studio import pipeline


def run_generation(generation_id: int) -> None:
    pipeline.run_generation(generation_id)
