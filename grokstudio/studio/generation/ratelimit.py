"""One xAI key, one place that sends: a pacer per kind of call keeps the studio under xAI's rates.

xAI counts the calls it accepts per API key over a sliding window (by default 5 image
requests and 1 video start in any second), so every paid call leaves from one process:
the poller that holds the lease (poller.py), on its threads. There a `Pacer` per kind of
call keeps the moments the last calls left and lets the next one go only when the window
would then still hold no more than xAI allows, plus a margin. A moment is taken right
before the call leaves, after all database work, so a call that leaves late delays the
ones after it instead of reaching xAI bunched with them.

The margin is learned, not fixed: a refusal (RESOURCE_EXHAUSTED) widens it and stops
every send for a window; each accepted call narrows it a little again. Calls go in the
order of their turns, which the poller hands out in the order it wants them to go (round
robin over people); a turn given up (its row was cancelled meanwhile) holds nobody back.

A video start is answered at once (xAI only hands back a request id), so its answer is
the latest moment xAI can have counted it. Video starts are paced on their answers: the
next start waits for the answer before it and a window after it, so a call that reaches
xAI late (its process stalled on the way) costs time, never a refusal. An image is
answered only once it is drawn, seconds later at xAI, so images pace on when they left.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass

from django.conf import settings

IMAGE = "image"
VIDEO = "video"

# xAI's window, as the emulator keeps it: at most floor(rate) calls in any second.
WINDOW_S = 1.0
# What is added to the window between a call and the one `allowed` calls later: calls
# reach xAI a little later than they leave, and not all equally late. It starts at (and
# never goes below) MARGIN_S, doubles plus MARGIN_STEP_S on each refusal up to MAX_MARGIN_S,
# and each accepted call takes MARGIN_DECAY of what is above MARGIN_S away again.
MARGIN_S = 0.03
MARGIN_STEP_S = 0.03
MAX_MARGIN_S = 0.5
MARGIN_DECAY = 0.01
# Calls leave evenly spread over the window, not all at once: a burst has calls contend
# for the CPU on their way out, and reach xAI less evenly.
SPREAD = 1.0
# A pacer on answers plans with this until the answer comes: a start that xAI takes longer
# than this to answer is taken as counted by then (it may be lost, and hold nobody forever).
ANSWER_WAIT_S = 5.0


@dataclass
class _Sent:
    """A call that went: when it left, and by when xAI has counted it (on answers: ANSWER_WAIT_S
    later until its answer comes, then the answer's moment; otherwise when it left)."""

    left_at: float
    counted_by: float


class Pacer:
    """When the next call of one kind may leave: a sliding window over the moments calls left."""

    def __init__(self, rate: float, *, on_answers: bool = False) -> None:
        self.rate = rate
        self.allowed = max(1, math.floor(rate * WINDOW_S))
        # Below one call a second, one call per 1/rate seconds.
        self.window_s = max(WINDOW_S, self.allowed / rate)
        self.margin_s = MARGIN_S
        self.on_answers = on_answers
        self._sent: deque[_Sent] = deque(maxlen=self.allowed)  # the last `allowed` calls that went
        self._hold_until = 0.0
        self._next_turn = 0
        self._open: set[int] = set()  # turns handed out that have neither gone nor been given up
        self._lock = threading.Lock()
        # The turns whose threads wait to go, each on its own condition: only the first of
        # them is woken when something changes, not all, so that a call leaving does not
        # have every waiting thread wake and compete with it for the interpreter.
        self._waiting: dict[int, threading.Condition] = {}

    def turn(self) -> Turn:
        """A place in the queue, behind every turn handed out before it."""
        with self._lock:
            number = self._next_turn
            self._next_turn += 1
            self._open.add(number)
        return Turn(self, number)

    def ahead(self) -> int:
        """Turns handed out that have not gone yet."""
        with self._lock:
            return len(self._open)

    def waiting(self) -> int:
        """Threads waiting for their turn to go."""
        with self._lock:
            return len(self._waiting)

    def room(self, seconds: float) -> int:
        """How many more turns may be handed out now that would go within `seconds`, were
        their threads ready: the turns already handed out go first."""
        with self._lock:
            now = time.monotonic()
            sent = deque(self._times(), maxlen=self.allowed)
            count = 0
            while count < len(self._open) + self.allowed * (1 + math.ceil(seconds / self.window_s)):
                at = max(now, self._earliest(sent))
                if at > now + seconds:
                    break
                sent.append(at + ANSWER_WAIT_S if self.on_answers else at)  # not answered yet
                count += 1
            return max(0, count - len(self._open))

    def hold(self, seconds: float) -> None:
        """Let nothing leave for `seconds` (another process may have sent until just now)."""
        with self._lock:
            self._hold_until = max(self._hold_until, time.monotonic() + seconds)
            self._wake_first()

    def _go(self, number: int) -> _Sent:
        with self._lock:
            self._waiting[number] = woken = threading.Condition(self._lock)
            try:
                while True:
                    now = time.monotonic()
                    at = self._earliest()
                    first = min(self._waiting) == number
                    if first and at <= now:
                        self._open.discard(number)
                        sent = _Sent(now, now + ANSWER_WAIT_S if self.on_answers else now)
                        self._sent.append(sent)
                        return sent
                    woken.wait(timeout=at - now if first else None)
            finally:
                del self._waiting[number]
                self._wake_first()

    def _wake_first(self) -> None:
        """Wake the first waiting turn to look again when it may go (the lock is held)."""
        if self._waiting:
            self._waiting[min(self._waiting)].notify()

    def _answered(self, sent: _Sent) -> None:
        if self.on_answers:
            with self._lock:
                sent.counted_by = min(sent.counted_by, time.monotonic())
                self._wake_first()

    def _times(self) -> deque[float]:
        return deque((sent.counted_by for sent in self._sent), maxlen=self.allowed)

    def _earliest(self, sent: deque[float] | None = None) -> float:
        """When the next call may leave after the calls that counted as sent at `sent` (by
        default, those that went)."""
        sent = self._times() if sent is None else sent
        at = self._hold_until
        if sent:
            at = max(at, sent[-1] + (self.window_s + self.margin_s) / self.allowed * SPREAD)
        if len(sent) == self.allowed:
            at = max(at, sent[0] + self.window_s + self.margin_s)
        return at

    def _give_up(self, number: int) -> None:
        with self._lock:
            self._open.discard(number)

    def _refused(self) -> None:
        with self._lock:
            self.margin_s = min(MAX_MARGIN_S, self.margin_s * 2 + MARGIN_STEP_S)
            self._hold_until = max(self._hold_until, time.monotonic() + self.window_s + self.margin_s)
            self._wake_first()

    def _accepted(self) -> None:
        with self._lock:
            self.margin_s -= (self.margin_s - MARGIN_S) * MARGIN_DECAY
            self._wake_first()


class Turn:
    """One call's place in its pacer's queue. Used as a context manager (as it must be), a
    turn that never went is given up at the end, so that the turns behind it go on."""

    def __init__(self, pacer: Pacer, number: int) -> None:
        self.pacer = pacer
        self.number = number
        self._sent: _Sent | None = None

    def go(self) -> float:
        """Wait until this call may leave; answers the moment (time.monotonic) it leaves."""
        self._sent = self.pacer._go(self.number)
        return self._sent.left_at

    def answered(self) -> None:
        """The call came back, whatever it says: xAI got it by now, if at all."""
        if self._sent is not None:
            self.pacer._answered(self._sent)

    def refused(self) -> None:
        """xAI refused the call for its rate: nothing leaves for a window, and the margin grows."""
        self.pacer._refused()

    def accepted(self) -> None:
        self.pacer._accepted()

    def __enter__(self) -> Turn:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._sent is None:
            self.pacer._give_up(self.number)
        else:
            self.answered()  # a call that raised is over too


_pacers: dict[tuple[str, float], Pacer] = {}
_pacers_lock = threading.Lock()


def pacer(bucket: str) -> Pacer:
    """This process's pacer of `bucket` at the configured rate: the same one for every poller
    this process runs, so that what it learned carries over."""
    rate = settings.STUDIO_XAI_IMAGE_RPS if bucket == IMAGE else settings.STUDIO_XAI_VIDEO_RPS
    with _pacers_lock:
        return _pacers.setdefault((bucket, rate), Pacer(rate, on_answers=bucket == VIDEO))
