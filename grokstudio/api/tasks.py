"""django-q2 entry points of the task API."""

from grokstudio.api import callbacks, idempotency


def sweep() -> None:
    """Scheduled every minute: callbacks that are due, and idempotency keys past keeping."""
    callbacks.sweep()
    idempotency.forget_old()
