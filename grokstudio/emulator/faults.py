"""Faults the emulator injects on demand, so the studio can be tested against every failure.

There are two ways to ask for a fault.

**A marker in the prompt** of ``GenerateImage``, ``GenerateVideo`` or ``ExtendVideo``, or in
the text of the user messages of ``GetCompletion`` / ``GetCompletionChunk`` (chat):
``[fault:NAME]`` or ``[fault:NAME:ARG]``, anywhere in the prompt, several allowed
(``"a cat [fault:unavailable:2] [fault:url_truncated]"``). An unknown ``NAME`` is answered
with INVALID_ARGUMENT so typos do not pass silently. A call fault given a count (``NAME:K``)
fails only the first K attempts of that method with that exact prompt, then lets it through;
attempts are counted by the server, so the SDK's own retries (5 attempts in all for
UNAVAILABLE) count. Without a count it fails every attempt.

**The control API** (for tests): ``POST /_emulator/faults`` with JSON
``{"method": "GenerateImage", "fault": "unavailable", "arg": null, "times": 2}`` queues the fault
for the next ``times`` calls of ``method`` (any gRPC method name, or ``"*"`` for any method
the fault applies to). ``GET /_emulator/faults`` lists the queue, ``DELETE /_emulator/faults``
clears it and the prompt-marker attempt counters. A queued fault is used before any marker.

Call faults (any method; the call is answered with the gRPC error):

===================== ====== =====================================================================
name                   arg    effect
===================== ====== =====================================================================
``unavailable``        K      UNAVAILABLE ("service temporarily unavailable"); the SDK retries it
``rate_limit``         K      RESOURCE_EXHAUSTED with a rate-limit message (the SDK does not retry)
``invalid_argument``   K      INVALID_ARGUMENT
``permission_denied``  K      PERMISSION_DENIED (key not allowed this model)
``not_found``          K      NOT_FOUND
``internal``           K      INTERNAL
``slow``               S      sleep S seconds (default 30) before answering normally, so a
                              client deadline shorter than S hits DEADLINE_EXCEEDED
===================== ====== =====================================================================

Content faults (the call itself succeeds):

===================== ====== =====================================================================
name                   arg    effect
===================== ====== =====================================================================
``moderation``         K      images: every image (or only the first K of the batch) comes back
                              with ``respect_moderation=false`` and no url/base64 (the SDK raises
                              ValueError on ``.url``);
                              videos: the job ends DONE with ``respect_moderation=false`` and an
                              empty url;
                              chat: PERMISSION_DENIED "Content violates usage guidelines", as
                              xAI answers a refused conversation
``moderation_failed``  CODE   videos: the job ends FAILED, error code CODE (default
                              ``invalid_argument``) and a moderation message
``video_failed``       CODE   videos: the job ends FAILED with VideoError CODE (default
                              ``internal_error``; one of invalid_argument, permission_denied,
                              failed_precondition, service_unavailable, internal_error)
``expired``            --     videos: when the job would be done, GetDeferredVideo answers EXPIRED
``empty_answer``       --     chat: the answer's content is empty (its usage is still billed)
``url_404``            --     the result URL answers 404 from the start
``url_truncated``      --     the result URL sends a Content-Length bigger than the body it
                              sends (half of it), then closes the connection
``url_slow``           B      the result URL drips the body at B bytes per second (default 16)
===================== ====== =====================================================================

Video content faults may be queued for ``GenerateVideo``/``ExtendVideo`` (they stick to the new
job) or for ``GetDeferredVideo`` (they stick to the job that poll asks about, if it has not
finished yet). ``moderation`` and the URL faults also apply to ``GenerateImage``. Through the
control API a call fault takes no count K: ``times`` says how many calls it hits.

Not faults: a wrong API key is answered UNAUTHENTICATED by itself; ``--rate-limit`` enforces
real per-key request rates; ``--retention`` makes finished jobs EXPIRED after that long.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

import grpc

from .limits import VIDEO_ERROR_CODES

VIDEO_START_METHODS = frozenset({"GenerateVideo", "ExtendVideo"})
VIDEO_METHODS = VIDEO_START_METHODS | {"GetDeferredVideo"}
RESULT_METHODS = VIDEO_METHODS | {"GenerateImage"}
CHAT_METHODS = frozenset({"GetCompletion", "GetCompletionChunk"})

# name -> gRPC code for the faults that replace the answer with an error
CALL_FAULTS: dict[str, grpc.StatusCode] = {
    "unavailable": grpc.StatusCode.UNAVAILABLE,
    "rate_limit": grpc.StatusCode.RESOURCE_EXHAUSTED,
    "invalid_argument": grpc.StatusCode.INVALID_ARGUMENT,
    "permission_denied": grpc.StatusCode.PERMISSION_DENIED,
    "not_found": grpc.StatusCode.NOT_FOUND,
    "internal": grpc.StatusCode.INTERNAL,
}
CALL_FAULT_MESSAGES = {
    "unavailable": "The service is temporarily unavailable. Please retry. (emulated fault)",
    "rate_limit": "Too many requests: your team has exceeded its rate limit. "
    "Please slow down and retry later. (emulated fault)",
    "invalid_argument": "Invalid request. (emulated fault)",
    "permission_denied": "Your API key is not allowed to use this model. (emulated fault)",
    "not_found": "The requested resource does not exist. (emulated fault)",
    "internal": "Internal server error. (emulated fault)",
}
SLOW = "slow"
DEFAULT_SLOW_S = 30.0

# name -> methods it means something for
CONTENT_FAULTS: dict[str, frozenset[str]] = {
    "moderation": frozenset(RESULT_METHODS | CHAT_METHODS),
    "moderation_failed": VIDEO_METHODS,
    "video_failed": VIDEO_METHODS,
    "expired": VIDEO_METHODS,
    "empty_answer": CHAT_METHODS,
    "url_404": frozenset(RESULT_METHODS),
    "url_truncated": frozenset(RESULT_METHODS),
    "url_slow": frozenset(RESULT_METHODS),
}
URL_FAULTS = frozenset({"url_404", "url_truncated", "url_slow"})
DEFAULT_URL_SLOW_BPS = 16

ALL_FAULTS = frozenset(CALL_FAULTS) | {SLOW} | frozenset(CONTENT_FAULTS)

_MARKER = re.compile(r"\[fault:([A-Za-z0-9_]+)(?::([^\]]*))?\]")


class FaultError(ValueError):
    """A fault request that cannot be understood (unknown name, bad argument)."""


@dataclass(frozen=True)
class Fault:
    """One requested fault: its name and optional argument (as given, a string)."""

    name: str
    arg: str | None = None

    def applies_to(self, method: str) -> bool:
        """Whether this fault means something for ``method``."""
        if self.name in CONTENT_FAULTS:
            return method in CONTENT_FAULTS[self.name]
        return True

    @property
    def is_call_fault(self) -> bool:
        return self.name in CALL_FAULTS or self.name == SLOW

    def seconds(self) -> float:
        """The ``slow`` fault's delay."""
        return float(self.arg) if self.arg else DEFAULT_SLOW_S

    def moderates(self, index: int) -> bool:
        """Whether the ``moderation`` fault withholds the batch's image at ``index``."""
        return self.arg is None or index < int(self.arg)

    def bytes_per_second(self) -> int:
        """The ``url_slow`` fault's drip rate."""
        return max(1, int(self.arg)) if self.arg else DEFAULT_URL_SLOW_BPS

    def video_error_code(self) -> str:
        """The VideoError code of ``video_failed`` / ``moderation_failed``."""
        default = "internal_error" if self.name == "video_failed" else "invalid_argument"
        return self.arg or default


def validate(fault: Fault, *, counted_arg: bool) -> Fault:
    """Check a fault's name and argument; ``counted_arg`` says whether ARG may be a count.

    Raises :class:`FaultError` with a readable message.
    """
    if fault.name not in ALL_FAULTS:
        raise FaultError(f"unknown emulator fault {fault.name!r}; known: {', '.join(sorted(ALL_FAULTS))}")
    arg = fault.arg
    if arg in (None, ""):
        return Fault(fault.name)
    try:
        if fault.name in CALL_FAULTS:
            if not counted_arg:
                raise FaultError(f"fault {fault.name!r} takes no argument here (use 'times')")
            if int(arg) < 1:
                raise ValueError
        elif fault.name == SLOW:
            if float(arg) < 0:
                raise ValueError
        elif fault.name in ("url_slow", "moderation"):
            if int(arg) < 1:
                raise ValueError
        elif fault.name in ("video_failed", "moderation_failed"):
            if arg not in VIDEO_ERROR_CODES:
                raise FaultError(
                    f"fault {fault.name!r}: code must be one of {', '.join(sorted(VIDEO_ERROR_CODES))}"
                )
        else:
            raise FaultError(f"fault {fault.name!r} takes no argument")
    except ValueError as exc:
        if isinstance(exc, FaultError):
            raise
        raise FaultError(f"fault {fault.name!r}: bad argument {arg!r}") from None
    return fault


def parse_markers(prompt: str) -> list[Fault]:
    """All ``[fault:NAME]`` / ``[fault:NAME:ARG]`` markers in a prompt, validated."""
    return [
        validate(Fault(m.group(1).lower(), m.group(2)), counted_arg=True) for m in _MARKER.finditer(prompt)
    ]


@dataclass
class _Queued:
    method: str
    fault: Fault
    remaining: int

    def as_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "fault": self.fault.name,
            "arg": self.fault.arg,
            "times": self.remaining,
        }


@dataclass
class Plan:
    """The faults chosen for one call: at most one call fault, any number of content faults."""

    call: Fault | None = None
    content: dict[str, Fault] = field(default_factory=dict)

    def get(self, name: str) -> Fault | None:
        return self.content.get(name)


class FaultBook:
    """The queue of programmatic faults and the attempt counters of prompt markers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[_Queued] = []
        self._attempts: dict[tuple[str, str, str], int] = {}

    def add(self, method: str, fault: Fault, times: int = 1) -> None:
        """Queue ``fault`` for the next ``times`` calls of ``method`` (``"*"``: any method)."""
        if times < 1:
            raise FaultError("times must be at least 1")
        fault = validate(fault, counted_arg=False)
        with self._lock:
            self._queue.append(_Queued(method, fault, times))

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self._attempts.clear()

    def queued(self) -> list[dict[str, object]]:
        with self._lock:
            return [q.as_dict() for q in self._queue]

    def plan(self, method: str, prompt: str | None) -> Plan:
        """Choose the faults for one call of ``method`` (raises FaultError on a bad marker)."""
        plan = Plan()
        with self._lock:
            for i, q in enumerate(self._queue):
                if q.method in (method, "*") and q.fault.applies_to(method):
                    q.remaining -= 1
                    if q.remaining <= 0:
                        del self._queue[i]
                    self._add(plan, q.fault)
                    break
        if prompt:
            self._plan_markers(plan, method, prompt, parse_markers(prompt))
        return plan

    def _plan_markers(self, plan: Plan, method: str, prompt: str, markers: Iterable[Fault]) -> None:
        for fault in markers:
            if not fault.applies_to(method):
                continue
            if fault.name in CALL_FAULTS:
                if plan.call is not None:
                    continue
                if fault.arg:
                    key = (method, prompt, fault.name)
                    with self._lock:
                        seen = self._attempts.get(key, 0)
                        self._attempts[key] = seen + 1
                    if seen >= int(fault.arg):
                        continue
                plan.call = fault
            else:
                self._add(plan, fault)

    @staticmethod
    def _add(plan: Plan, fault: Fault) -> None:
        if fault.is_call_fault:
            if plan.call is None:
                plan.call = fault
        else:
            plan.content.setdefault(fault.name, fault)
