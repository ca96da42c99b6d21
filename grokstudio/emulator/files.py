"""The ``xai_api.Files`` service: upload, retrieve, list, download and delete files.

Enough of the Files API for the studio to upload an input video or image and pass its
``file_id`` to ``GenerateImage`` / ``GenerateVideo`` / ``ExtendVideo``. Files belong to the API
key that uploaded them; another key sees NOT_FOUND.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from xai_sdk.proto.v6 import files_pb2, files_pb2_grpc

from . import limits
from .calls import current
from .errors import ApiError
from .store import StoredFile

if TYPE_CHECKING:
    from .server import Emulator


def _timestamp(seconds: float) -> Timestamp:
    ts = Timestamp()
    ts.FromNanoseconds(int(seconds * 1e9))
    return ts


def file_proto(stored: StoredFile) -> files_pb2.File:
    """The ``File`` message for a stored file."""
    proto = files_pb2.File(
        id=stored.id, filename=stored.filename, size=stored.size, created_at=_timestamp(stored.created_at)
    )
    if stored.expires_at is not None:
        proto.expires_at.CopyFrom(_timestamp(stored.expires_at))
    return proto


class FilesService(files_pb2_grpc.FilesServicer):
    """Answers the Files calls the studio needs (and the cheap rest)."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def UploadFile(
        self, request_iterator: Iterator[files_pb2.UploadFileChunk], context: grpc.ServicerContext
    ):
        owner = current().api_key
        first = next(request_iterator, None)
        if first is None or first.WhichOneof("chunk") != "init":
            raise ApiError.invalid("the first UploadFile chunk must be init{name, expires_after}")
        init = first.init
        if not init.name.strip():
            raise ApiError.invalid("init.name (the filename) is required")
        expires_after = init.expires_after if init.HasField("expires_after") else None
        if (
            expires_after is not None
            and not limits.FILE_EXPIRES_MIN <= expires_after <= limits.FILE_EXPIRES_MAX
        ):
            raise ApiError.invalid(
                f"expires_after must be between {limits.FILE_EXPIRES_MIN} and {limits.FILE_EXPIRES_MAX} "
                f"seconds, got {expires_after}"
            )
        blobs = self.emulator.blobs
        tmp = blobs.temp_path()
        digest = hashlib.sha256()
        size = 0
        try:
            with tmp.open("wb") as out:
                for chunk in request_iterator:
                    if chunk.WhichOneof("chunk") != "data":
                        raise ApiError.invalid("only the first UploadFile chunk may be init")
                    size += len(chunk.data)
                    if size > limits.MAX_FILE_BYTES:
                        raise ApiError.invalid(f"files are at most {limits.MAX_FILE_BYTES // limits.MIB} MiB")
                    digest.update(chunk.data)
                    out.write(chunk.data)
            blobs.put_file(tmp, digest.hexdigest())
        finally:
            tmp.unlink(missing_ok=True)
        stored = self.emulator.files.add(owner, init.name, digest.hexdigest(), size, expires_after)
        return file_proto(stored)

    def RetrieveFile(self, request: files_pb2.RetrieveFileRequest, context: grpc.ServicerContext):
        return file_proto(self._get(request.file_id))

    def DeleteFile(self, request: files_pb2.DeleteFileRequest, context: grpc.ServicerContext):
        if not self.emulator.files.delete(current().api_key, request.file_id):
            raise ApiError.not_found(f"File {request.file_id!r} not found")
        return files_pb2.DeleteFileResponse(id=request.file_id, deleted=True)

    def ListFiles(self, request: files_pb2.ListFilesRequest, context: grpc.ServicerContext):
        if request.HasField("filter") and request.filter:
            raise ApiError.invalid("filter is not supported by the emulator")
        files = self.emulator.files.list(current().api_key)
        sort_by = request.sort_by if request.HasField("sort_by") else files_pb2.FILES_SORT_BY_CREATED_AT
        keys = {
            files_pb2.FILES_SORT_BY_CREATED_AT: lambda f: f.created_at,
            files_pb2.FILES_SORT_BY_FILENAME: lambda f: f.filename,
            files_pb2.FILES_SORT_BY_SIZE: lambda f: f.size,
        }
        files.sort(
            key=keys.get(sort_by, keys[files_pb2.FILES_SORT_BY_CREATED_AT]),
            reverse=request.order == files_pb2.DESCENDING,
        )
        limit = request.limit or limits.FILES_LIST_DEFAULT_LIMIT
        try:
            offset = int(request.pagination_token) if request.HasField("pagination_token") else 0
        except ValueError:
            raise ApiError.invalid("bad pagination_token") from None
        page = files[offset : offset + limit]
        response = files_pb2.ListFilesResponse(data=[file_proto(f) for f in page])
        if offset + limit < len(files):
            response.pagination_token = str(offset + limit)
        return response

    def RetrieveFileContent(
        self, request: files_pb2.RetrieveFileContentRequest, context: grpc.ServicerContext
    ):
        # Check eagerly (errors are raised before the first chunk), then stream from disk.
        stored = self._get(request.file_id)
        path = self.emulator.blobs.path(stored.digest)

        def chunks() -> Iterator[files_pb2.FileContentChunk]:
            with path.open("rb") as f:
                while data := f.read(limits.FILE_CONTENT_CHUNK):
                    yield files_pb2.FileContentChunk(data=data)

        return chunks()

    def _get(self, file_id: str) -> StoredFile:
        stored = self.emulator.files.get(current().api_key, file_id)
        if stored is None:
            raise ApiError.not_found(f"File {file_id!r} not found")
        return stored
