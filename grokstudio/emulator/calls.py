"""Per-call context handed from the call wrapper to the servicers: who calls, which faults.

The wrapper (:mod:`grokstudio.emulator.server`) authenticates the caller and chooses the
faults before the servicer runs, then sets :data:`CURRENT` for the duration of the call; the
servicer runs on the same thread and reads it with :func:`current`.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field

from .faults import Plan


@dataclass(frozen=True)
class CallInfo:
    """The caller's API key (the tenant), the gRPC method name, and the chosen faults."""

    api_key: str
    method: str
    plan: Plan = field(default_factory=Plan)


CURRENT: ContextVar[CallInfo] = ContextVar("xai_emulator_call")


def current() -> CallInfo:
    """The call being served on this thread."""
    return CURRENT.get()
