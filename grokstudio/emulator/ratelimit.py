"""Per-key request rates for ``--rate-limit``: a sliding one-second window per bucket.

xAI limits requests per second per team and model; the Imagine figures are not in the
official text, so they are flags (``--image-rps``, ``--video-rps``). Only accepted requests
count, so a client that backs off after RESOURCE_EXHAUSTED gets through again.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque

import grpc

from .errors import ApiError

WINDOW_S = 1.0

# method -> bucket; a bucket's rate is shared by its methods
BUCKETS = {"GenerateImage": "image", "GenerateVideo": "video", "ExtendVideo": "video"}


class RateLimiter:
    """Counts accepted calls per (API key, bucket) over the last second."""

    def __init__(self, rates: dict[str, float]) -> None:
        self._rates = rates
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], deque[float]] = {}

    def check(self, api_key: str, method: str) -> None:
        """Raise RESOURCE_EXHAUSTED if this call would go over its bucket's rate."""
        bucket = BUCKETS.get(method)
        if bucket is None:
            return
        rate = self._rates[bucket]
        allowed = max(1, math.floor(rate * WINDOW_S))
        now = time.monotonic()
        with self._lock:
            seen = self._seen.setdefault((api_key, bucket), deque())
            while seen and seen[0] <= now - WINDOW_S:
                seen.popleft()
            if len(seen) >= allowed:
                raise ApiError(
                    grpc.StatusCode.RESOURCE_EXHAUSTED,
                    f"Too many requests: your team has exceeded its rate limit of {rate:g} {bucket} "
                    f"generation requests per second. Please slow down and retry later.",
                )
            seen.append(now)
