"""The Files calls the studio uses: upload, retrieve, list, content, delete."""

from __future__ import annotations

import time

import grpc
import xai_sdk

from .helpers import RPC_TIMEOUT_S, rpc_error


def test_upload_retrieve_content_list_delete(client):
    payload = bytes(range(256)) * 20_000  # 5 MB: more than one 3 MiB chunk
    uploaded = client.files.upload(payload, filename="blob.bin")
    assert uploaded.id.startswith("file_") and len(uploaded.id) == len("file_") + 36
    assert uploaded.filename == "blob.bin" and uploaded.size == len(payload)
    assert abs(uploaded.created_at.seconds - time.time()) < 60
    assert not uploaded.HasField("expires_at")

    assert client.files.get(uploaded.id) == uploaded
    assert client.files.content(uploaded.id) == payload
    assert uploaded.id in [f.id for f in client.files.list(limit=1000).data]

    deleted = client.files.delete(uploaded.id)
    assert deleted.deleted is True and deleted.id == uploaded.id
    rpc_error(grpc.StatusCode.NOT_FOUND, client.files.get, uploaded.id)
    rpc_error(grpc.StatusCode.NOT_FOUND, client.files.delete, uploaded.id)
    rpc_error(grpc.StatusCode.NOT_FOUND, client.files.content, uploaded.id)


def test_expires_after_range(client):
    kept = client.files.upload(b"ttl", filename="ttl.txt", expires_after=3600)
    assert kept.expires_at.seconds - kept.created_at.seconds == 3600
    for bad in (10, 2_592_001):
        err = rpc_error(
            grpc.StatusCode.INVALID_ARGUMENT, client.files.upload, b"x", filename="x", expires_after=bad
        )
        assert "expires_after" in err.details()


def test_list_pages_and_sorts(client):
    names = [f"page-{i}.txt" for i in range(3)]
    ids = [client.files.upload(b"p" * (i + 1), filename=name).id for i, name in enumerate(names)]
    first = client.files.list(limit=2, order="desc", sort_by="created_at")
    assert [f.id for f in first.data] == ids[::-1][:2]
    assert first.pagination_token
    second = client.files.list(
        limit=2, order="desc", sort_by="created_at", pagination_token=first.pagination_token
    )
    assert second.data[0].id == ids[0]


def test_files_and_videos_belong_to_their_key(open_emu):
    """Without --api-key any key is accepted, and each key is its own tenant."""
    with (
        xai_sdk.Client(api_key="team-a", api_host=open_emu.grpc_target, timeout=RPC_TIMEOUT_S) as a,
        xai_sdk.Client(api_key="team-b", api_host=open_emu.grpc_target, timeout=RPC_TIMEOUT_S) as b,
    ):
        mine = a.files.upload(b"mine", filename="m.txt")
        assert a.files.get(mine.id).id == mine.id
        rpc_error(grpc.StatusCode.NOT_FOUND, b.files.get, mine.id)
        rpc_error(grpc.StatusCode.NOT_FOUND, b.files.delete, mine.id)
        assert mine.id not in [f.id for f in b.files.list().data]
        rpc_error(
            grpc.StatusCode.NOT_FOUND, b.image.sample, "steal", "grok-imagine-image", image_file_id=mine.id
        )
        start = a.video.start("team a's video", "grok-imagine-video", duration=1)
        rpc_error(grpc.StatusCode.NOT_FOUND, b.video.get, start.request_id)
        assert a.video.get(start.request_id).status
