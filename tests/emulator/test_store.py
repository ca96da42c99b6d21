"""The blob store's janitor collection (in-process: it runs every few seconds in the server)."""

from __future__ import annotations

import os
import time

from grokstudio.emulator.store import BlobStore


def test_collect_removes_only_unreferenced_old_blobs():
    blobs = BlobStore()
    try:
        kept, dropped, fresh = blobs.put(b"kept"), blobs.put(b"dropped"), blobs.put(b"fresh")
        old = time.time() - 3600
        for digest in (kept, dropped):
            os.utime(blobs.path(digest), (old, old))
        assert blobs.collect({kept}, grace_s=60) == 1
        assert blobs.path(kept).exists() and blobs.path(fresh).exists()
        assert not blobs.path(dropped).exists()
        # Storing the same bytes again refreshes the blob, so it survives the next sweep.
        os.utime(blobs.path(kept), (old, old))
        assert blobs.put(b"kept") == kept
        assert blobs.collect(set(), grace_s=60) == 0
    finally:
        blobs.close()
    assert not blobs.root.exists()
