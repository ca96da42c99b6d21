"""Render process pools: drawing and encoding happen outside the process that answers RPCs.

Rendering is CPU-bound Python and Pillow code that holds the GIL for long stretches. Run on
the gRPC threads, a burst of image renders made concurrent ``GetDeferredVideo`` polls wait
seconds for the GIL; in worker processes the gRPC threads only wait on a future (which
releases the GIL), so polls keep answering in milliseconds. Videos and images get separate
pools so that a synchronous image request never queues behind a 15 s video encode.

Workers fork from a ``forkserver`` that has only the renderers loaded (not gRPC), so they
start quickly and do not inherit the server's threads.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache
from multiprocessing.context import BaseContext
from typing import Any

# Loaded once by the forkserver, so every worker starts with them already imported.
PRELOAD = [
    "grokstudio.emulator.worker",
    "grokstudio.emulator.render_video",
    "grokstudio.emulator.render_image",
]


@lru_cache(maxsize=1)
def _context() -> BaseContext:
    # One context for every pool: the forkserver is per process and reads the preload list
    # only when it starts.
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


class RenderPool:
    """A ``ProcessPoolExecutor`` started on first use and replaced if a worker dies."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=self._workers, mp_context=_context())
            return self._pool

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run ``fn(*args)`` in a worker process."""
        pool = self._executor()
        try:
            return pool.submit(fn, *args)
        except BrokenProcessPool:
            # A worker died (killed, out of memory): start a fresh pool and try once more.
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            return self._executor().submit(fn, *args)

    def shutdown(self) -> None:
        """Stop the workers now; renders in flight are abandoned, not waited for."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            proc.terminate()
        for proc in processes:
            proc.join(timeout=5)
