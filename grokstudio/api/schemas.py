"""The task API's answers: a Generation as the hosted task API's documents shape a task."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from ninja import Schema

from grokstudio.studio.models import Generation, Status

# The studio's states in the task API's words.
STATUS_WORDS = {
    Status.PENDING: "pending",
    Status.SUBMITTING: "assigned",
    Status.PROCESSING: "processing",
    Status.DOWNLOADING: "processing",
    Status.COMPLETED: "completed",
    Status.FAILED: "failed",
    Status.CANCELLED: "cancelled",
    Status.TIMEOUT: "timeout",
}


class ResultOut(Schema):
    assetId: int
    url: str
    contentType: str
    width: int
    height: int
    durationS: float | None = None
    sizeBytes: int


class TaskOut(Schema):
    taskId: str
    kind: str
    status: str
    progress: int
    model: str
    prompt: str
    createdAt: datetime
    updatedAt: datetime
    results: list[ResultOut]
    costUsd: float | None = None
    errorCode: str | None = None
    errorMessage: str | None = None


def task_json(base_url: str, generation: Generation) -> dict:
    """The task as the API answers it; `base_url` is the studio's address as the caller reached it."""
    ended_badly = generation.status in (Status.FAILED, Status.CANCELLED, Status.TIMEOUT)
    results = []
    if generation.status == Status.COMPLETED:
        for asset in generation.outputs.all():
            url = base_url.rstrip("/") + reverse("xai:file", args=[asset.pk])
            results.append({
                "assetId": asset.pk, "url": url, "contentType": asset.content_type, "width": asset.width,
                "height": asset.height, "durationS": asset.duration_s, "sizeBytes": asset.size_bytes,
            })  # fmt: skip
    return {
        "taskId": str(generation.pk), "kind": generation.kind, "status": STATUS_WORDS[generation.status],
        "progress": 100 if generation.status == Status.COMPLETED else generation.progress,
        "model": generation.model, "prompt": generation.prompt, "createdAt": generation.created_at,
        "updatedAt": generation.updated_at, "results": results, "costUsd": generation.cost_usd,
        "errorCode": generation.error_code or None if ended_badly else None,
        "errorMessage": generation.message or None if ended_badly else None,
    }  # fmt: skip
