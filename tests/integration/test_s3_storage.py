"""Media in S3-compatible object storage (django-storages), against a local S3 server (moto).

The same code paths as on disk: results are stored by the pipeline, leave
through the owner-checked views (ranges included), go into ZIPs, are removed
with their generation, and /healthz checks the bucket.
"""

from __future__ import annotations

import io
import zipfile

import boto3
import pytest
from moto.server import ThreadedMotoServer

from grokstudio.studio import services
from grokstudio.studio.models import Asset, Generation, Status
from tests.integration.drive import drive

# The poller starts generations on its own threads, with their own connections: these tests commit.
pytestmark = pytest.mark.django_db(transaction=True)

BUCKET = "studio-media"


@pytest.fixture(scope="module")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_server, settings, django_capture_on_commit_callbacks):
    client = boto3.client(
        "s3", endpoint_url=s3_server, region_name="us-east-1",
        aws_access_key_id="studio", aws_secret_access_key="studio-secret",
    )  # fmt: skip
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET, "endpoint_url": s3_server, "region_name": "us-east-1",
                "access_key": "studio", "secret_key": "studio-secret", "default_acl": "private",
                "file_overwrite": False, "max_memory_size": 4 * 1024 * 1024,
            },
        },
    }  # fmt: skip
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


@pytest.fixture
def completed(owner, xai, bucket, media_root):
    generation = services.submit_image_generation(
        owner, {"prompt": "A lighthouse kept in a bucket", "model": "grok-imagine-image",
                "aspect_ratio": "1:1", "resolution": "1k", "n": 2, "references": []},
    )  # fmt: skip
    generation = drive(generation)
    assert generation.status == Status.COMPLETED, generation.message
    return generation


def test_the_pipeline_stores_results_in_the_bucket_not_on_disk(completed, bucket, media_root):
    names = {name for a in completed.outputs.all() for name in (a.file.name, a.thumbnail.name)}

    assert len(names) == 4 and names <= keys(bucket)
    assert not [p for p in media_root.rglob("*") if p.is_file()]


def test_downloads_and_ranges_come_from_the_bucket_after_the_owner_check(
    completed, bucket, owner_client, stranger_client
):
    asset = completed.outputs.first()
    stored = bucket.get_object(Bucket=BUCKET, Key=asset.file.name)["Body"].read()

    whole = owner_client.get(f"/a/{asset.pk}/download")
    assert b"".join(whole.streaming_content) == stored
    part = owner_client.get(f"/a/{asset.pk}/file", headers={"Range": "bytes=10-99"})
    assert part.status_code == 206 and b"".join(part.streaming_content) == stored[10:100]
    assert stranger_client.get(f"/a/{asset.pk}/download").status_code == 404


def test_a_zip_of_items_in_the_bucket(completed, bucket, owner_client):
    response = owner_client.post("/bulk/", {"action": "zip", "ids": [completed.pk]})

    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == sorted(a.download_name() for a in completed.outputs.all())
    for asset in completed.outputs.all():
        assert (
            archive.read(asset.download_name())
            == bucket.get_object(Bucket=BUCKET, Key=asset.file.name)["Body"].read()
        )


def test_deleting_a_generation_removes_its_objects(
    completed, bucket, owner_client, django_capture_on_commit_callbacks
):
    assert keys(bucket)

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"/g/{completed.pk}/delete")

    assert not Generation.objects.filter(pk=completed.pk).exists() and not Asset.objects.exists()
    assert keys(bucket) == set()


def test_healthz_checks_the_bucket(bucket, client, s3_server, settings):
    assert client.get("/healthz").json()["storage"] == "ok"

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"],
                    "OPTIONS": {**settings.STORAGES["default"]["OPTIONS"], "bucket_name": "no-such-bucket"}},
    }  # fmt: skip
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["storage"] == "failing"
    assert "no-such-bucket" not in response.text
