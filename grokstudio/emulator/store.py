"""The emulator's state: media bytes on disk, result URLs, uploaded files, the call record
and the counters.

Media bytes live in a temporary directory, content-addressed by SHA-256, so memory stays
small however many results there are, and a thousand identical videos share one file.
Everything else is small and kept in dicts behind locks; a janitor thread calls
:meth:`ResultStore.sweep` and friends to drop what has expired.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message

from .faults import Fault
from .limits import BLOB_GRACE_S, MAX_RECORDED_CALLS, RECORD_STRING_MAX, RECORD_STRING_PREFIX


class BlobStore:
    """Bytes on disk under a private temporary directory, named by their SHA-256."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="xai-emulator-"))
        self._lock = threading.Lock()

    def put(self, data: bytes) -> str:
        """Store ``data`` (idempotent) and return its digest."""
        digest = hashlib.sha256(data).hexdigest()
        path = self.root / digest
        try:
            # Refresh the time stamp: the janitor spares recently stored blobs (see collect).
            os.utime(path)
        except FileNotFoundError:
            # Write then rename, so a reader never sees half a file.
            tmp = self.root / f".{digest}.{uuid.uuid4().hex}"
            tmp.write_bytes(data)
            os.replace(tmp, path)
        return digest

    def put_file(self, src: Path, digest: str) -> str:
        """Move an already-hashed temporary file into the store."""
        path = self.root / digest
        if path.exists():
            src.unlink(missing_ok=True)
            os.utime(path)
        else:
            os.replace(src, path)
        return digest

    def temp_path(self) -> Path:
        """A fresh path inside the store for streaming writes (see :meth:`put_file`)."""
        return self.root / f".upload.{uuid.uuid4().hex}"

    def path(self, digest: str) -> Path:
        return self.root / digest

    def read(self, digest: str) -> bytes:
        return (self.root / digest).read_bytes()

    def size(self, digest: str) -> int:
        return (self.root / digest).stat().st_size

    def collect(self, live: set[str], grace_s: float = BLOB_GRACE_S) -> int:
        """Delete every blob not in ``live`` and untouched for ``grace_s``; return how many.

        The grace period covers the moment between storing a blob and publishing its URL,
        when nothing refers to it yet.
        """
        removed = 0
        horizon = time.time() - grace_s
        with self._lock:
            for path in self.root.iterdir():
                if path.name.startswith(".") or path.name in live:
                    continue
                try:
                    if path.stat().st_mtime < horizon:
                        path.unlink()
                        removed += 1
                except FileNotFoundError:
                    pass
        return removed

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Result:
    """One temporary result URL: what it serves, until when, and how it misbehaves."""

    token: str
    digest: str
    content_type: str
    expires_at: float  # wall clock
    fault: Fault | None = None


class ResultStore:
    """Result URLs (``/results/<token>.<ext>``) that stop working after their TTL.

    ``ttl_s`` is the default lifetime (``--url-ttl``, used for images); a caller can give
    another per URL (videos use ``--video-url-ttl``).
    """

    def __init__(self, blobs: BlobStore, base_url: str, ttl_s: float) -> None:
        self._blobs = blobs
        self.base_url = base_url
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._results: dict[str, Result] = {}

    def publish(
        self,
        digest: str,
        content_type: str,
        ext: str,
        fault: Fault | None = None,
        ttl_s: float | None = None,
    ) -> str:
        """Mint a new URL for the blob ``digest``, alive ``ttl_s`` seconds, and return it."""
        token = secrets.token_urlsafe(18)
        expires_at = time.time() + (self.ttl_s if ttl_s is None else ttl_s)
        with self._lock:
            self._results[token] = Result(token, digest, content_type, expires_at, fault)
        return f"{self.base_url}/results/{token}.{ext}"

    def get(self, token: str) -> Result | None:
        """The live result for ``token`` (``None`` if unknown or expired)."""
        with self._lock:
            result = self._results.get(token)
        if result is None or result.expires_at <= time.time():
            return None
        return result

    def sweep(self) -> None:
        now = time.time()
        with self._lock:
            for token in [t for t, r in self._results.items() if r.expires_at <= now]:
                del self._results[token]

    def live_digests(self) -> set[str]:
        with self._lock:
            return {r.digest for r in self._results.values()}


@dataclass
class StoredFile:
    """An uploaded file (the Files API)."""

    id: str
    owner: str
    filename: str
    size: int
    digest: str
    created_at: float
    expires_at: float | None


class FileStore:
    """Files uploaded through ``Files/UploadFile``, per API key, until they expire."""

    def __init__(self, blobs: BlobStore) -> None:
        self.blobs = blobs
        self._lock = threading.Lock()
        self._files: dict[str, StoredFile] = {}

    def add(self, owner: str, filename: str, digest: str, size: int, expires_after: int | None) -> StoredFile:
        now = time.time()
        stored = StoredFile(
            id=f"file_{uuid.uuid4()}",
            owner=owner,
            filename=filename,
            size=size,
            digest=digest,
            created_at=now,
            expires_at=now + expires_after if expires_after else None,
        )
        with self._lock:
            self._files[stored.id] = stored
        return stored

    def get(self, owner: str, file_id: str) -> StoredFile | None:
        with self._lock:
            stored = self._files.get(file_id)
        # Another key's file is as invisible as a missing one, like any multi-tenant API.
        if stored is None or stored.owner != owner:
            return None
        if stored.expires_at is not None and stored.expires_at <= time.time():
            return None
        return stored

    def delete(self, owner: str, file_id: str) -> bool:
        with self._lock:
            stored = self._files.get(file_id)
            if stored is None or stored.owner != owner:
                return False
            del self._files[file_id]
            return True

    def list(self, owner: str) -> list[StoredFile]:
        now = time.time()
        with self._lock:
            return [
                f
                for f in self._files.values()
                if f.owner == owner and (f.expires_at is None or f.expires_at > now)
            ]

    def sweep(self) -> None:
        now = time.time()
        with self._lock:
            for fid in [
                i for i, f in self._files.items() if f.expires_at is not None and f.expires_at <= now
            ]:
                del self._files[fid]

    def live_digests(self) -> set[str]:
        with self._lock:
            return {f.digest for f in self._files.values()}


def shorten(value: Any) -> Any:
    """Make a recorded request readable: long strings (``data:`` URIs, base64) become a
    prefix plus their length, recursively."""
    if isinstance(value, str):
        if len(value) > RECORD_STRING_MAX or (
            value.startswith("data:") and len(value) > RECORD_STRING_PREFIX
        ):
            return f"{value[:RECORD_STRING_PREFIX]}...({len(value)} chars)"
        return value
    if isinstance(value, dict):
        return {k: shorten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shorten(v) for v in value]
    return value


def message_to_record(message: Message | None) -> dict[str, Any]:
    """A protobuf message as a JSON-ready dict for the call record, long strings shortened."""
    if message is None:
        return {}
    return shorten(MessageToDict(message, preserving_proto_field_name=True))


class CallLog:
    """Every RPC the emulator answered, oldest first, bounded."""

    def __init__(self, maxlen: int = MAX_RECORDED_CALLS) -> None:
        self._lock = threading.Lock()
        self._calls: deque[dict[str, Any]] = deque(maxlen=maxlen)

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._calls.append(entry)

    def list(self, method: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            calls: Iterable[dict[str, Any]] = list(self._calls)
        if method:
            calls = [c for c in calls if c["method"] == method]
        return list(calls)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()


class Stats:
    """Counters exposed at ``GET /_emulator/stats`` so tests and benchmarks can see what the
    caches saved."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def bump(self, name: str, by: int = 1) -> None:
        with self._lock:
            self._counts[name] = self._counts.get(name, 0) + by

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)
