"""django-q2 entry points: thin, idempotent nudges into the pipeline."""

from grokstudio.studio.generation import pipeline, poller, prompt_help


def run_generation(generation_id: int) -> None:
    """Download a finished generation, or settle one whose call was lost (see pipeline.py)."""
    pipeline.run_generation(generation_id)


def run_generations(generation_ids: list[int]) -> None:
    """Carry several generations at once (finished videos to download), a few in parallel."""
    pipeline.run_many(generation_ids)


def sweep_generations() -> int:
    """Scheduled every minute: re-nudge generations and prompt help whose task was lost."""
    return pipeline.sweep() + prompt_help.sweep()


def poll_videos() -> None:
    """Start every waiting generation and ask xAI about every video in flight, until none is
    left (see poller.py)."""
    poller.run()


def run_prompt_help(help_id: int) -> None:
    """Ask Grok for the suggestions of one PromptHelp row."""
    prompt_help.run(help_id)
