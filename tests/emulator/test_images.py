"""GenerateImage through the public SDK: sizes, formats, looks, edits, cost, validation."""

from __future__ import annotations

import base64
import re

import grpc
import pytest
from PIL import ImageChops, ImageOps, ImageStat
from xai_sdk.proto.v6 import image_pb2, image_pb2_grpc

from .helpers import API_KEY, data_uri, decode, fetch, png_bytes, rpc_error

TICKS_PER_IMAGE = 200_000_000

EXPECTED_1K = {
    "1:1": (1024, 1024),
    "16:9": (1024, 576),
    "9:16": (576, 1024),
    "4:3": (1024, 768),
    "3:4": (768, 1024),
    "3:2": (1024, 688),
    "2:3": (688, 1024),
    "2:1": (1024, 512),
    "1:2": (512, 1024),
    "20:9": (1024, 464),
    "9:20": (464, 1024),
    "19.5:9": (1024, 480),
    "9:19.5": (480, 1024),
}


def mean_difference(a, b) -> float:
    """Mean absolute per-channel difference of two images (0..255), at ``a``'s size."""
    b = b.convert("RGB").resize(a.size)
    return sum(ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b)).mean) / 3


def test_defaults_url_jpeg_square_1k(emu, client):
    response = client.image.sample("a lighthouse at dusk", "grok-imagine-image")
    assert re.fullmatch(rf"http://127\.0\.0\.1:{emu.http_port}/results/[A-Za-z0-9_-]+\.jpg", response.url)
    assert response.respect_moderation is True
    assert response.model == "grok-imagine-image"
    assert response.usage.cost_in_usd_ticks == TICKS_PER_IMAGE
    assert response.cost_usd == pytest.approx(0.02)
    status, content_type, body = fetch(response.url)
    assert (status, content_type) == (200, "image/jpeg")
    image = decode(body)
    assert image.format == "JPEG" and image.size == (1024, 1024)
    assert response.image == body  # the SDK's own download


@pytest.mark.parametrize(("aspect", "size"), EXPECTED_1K.items())
def test_size_follows_aspect_ratio_at_1k(client, aspect, size):
    response = client.image.sample(f"sizes {aspect}", "grok-imagine-image", aspect_ratio=aspect)
    assert decode(response.image).size == size


@pytest.mark.parametrize(
    ("aspect", "size"), [("1:1", (2048, 2048)), ("16:9", (2048, 1152)), ("9:20", (928, 2048))]
)
def test_size_at_2k(client, aspect, size):
    response = client.image.sample("big", "grok-imagine-image", aspect_ratio=aspect, resolution="2k")
    image = decode(response.image)
    assert image.size == size
    assert all(side % 16 == 0 for side in image.size)


def test_base64_format(client):
    response = client.image.sample(
        "in base64", "grok-imagine-image", image_format="base64", aspect_ratio="4:3"
    )
    assert response.base64.startswith("data:image/jpeg;base64,")
    raw = base64.b64decode(response.base64.split("base64,", 1)[1])
    assert raw == response.image
    assert decode(raw).size == (1024, 768)
    with pytest.raises(ValueError, match="not returned via URL"):
        _ = response.url


def test_different_prompts_look_different_and_same_prompt_is_stable(client):
    fox = decode(client.image.sample("a red fox in deep snow", "grok-imagine-image").image)
    ship = decode(client.image.sample("a container ship at night", "grok-imagine-image").image)
    fox_again = decode(client.image.sample("a red fox in deep snow", "grok-imagine-image").image)
    assert mean_difference(fox, ship) > 25
    assert mean_difference(fox, fox_again) < 1


def test_batch_images_differ_slightly_and_cost_is_counted_once(emu, client):
    responses = client.image.sample_batch("a batch of owls", "grok-imagine-image", 4)
    assert len(responses) == 4
    assert {r.url for r in responses}.__len__() == 4
    images = [decode(r.image) for r in responses]
    for other in images[1:]:
        diff = mean_difference(images[0], other)
        assert 0.05 < diff < 15  # visibly a sibling, not the same bytes, not another picture
    # One usage for the whole batch, counting each image once.
    assert all(r.usage.cost_in_usd_ticks == 4 * TICKS_PER_IMAGE for r in responses)
    response = emu.calls("GenerateImage")[-1]["response"]
    assert len(response["images"]) == 4 and all(i["respect_moderation"] for i in response["images"])


def test_model_variants_and_quality(client):
    for model in ("grok-imagine-image-2.0", "grok-imagine-image-quality"):
        assert client.image.sample("variants", model).model == model
    assert client.image.sample("q", "grok-imagine-image-2.0", quality="low").url
    assert client.image.sample("q", "grok-imagine-image-2.0", quality="medium").url


def _split_reference() -> bytes:
    """An 800x400 PNG: left half black, right half white."""
    image = ImageOps.pad(
        decode(png_bytes((400, 400), (0, 0, 0))), (800, 400), color=(255, 255, 255), centering=(0, 0)
    )
    import io

    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_edit_derives_from_reference_and_keeps_its_shape(client):
    reference = _split_reference()
    ref_image = decode(reference)
    response = client.image.sample("make it moody", "grok-imagine-image", image_url=data_uri(reference))
    edited = decode(response.image)
    assert edited.size == (1024, 512)  # follows the 2:1 reference when no aspect ratio is asked
    assert mean_difference(edited, ref_image) < 60
    assert mean_difference(edited, ImageOps.mirror(ref_image)) > 150
    assert response.usage.cost_in_usd_ticks == 2 * TICKS_PER_IMAGE  # output + the input
    # With an explicit aspect ratio the output takes it instead.
    square = client.image.sample(
        "square", "grok-imagine-image", image_url=data_uri(reference), aspect_ratio="1:1"
    )
    assert decode(square.image).size == (1024, 1024)


def test_multi_reference_edit_is_a_collage(client):
    black, white = png_bytes((300, 300), (0, 0, 0)), png_bytes((300, 300), (255, 255, 255), fmt="WEBP")
    response = client.image.sample(
        "combine", "grok-imagine-image", image_urls=[data_uri(black), data_uri(white, "image/webp")]
    )
    image = decode(response.image).convert("L")
    width, height = image.size
    assert (width, height) == (1024, 1024)  # the first reference is square
    top = height // 2  # above the caption band
    left = ImageStat.Stat(image.crop((0, 0, width // 2, top))).mean[0]
    right = ImageStat.Stat(image.crop((width // 2, 0, width, top))).mean[0]
    assert right - left > 150
    assert response.usage.cost_in_usd_ticks == 3 * TICKS_PER_IMAGE


def test_edit_from_emulator_url_and_from_file_id(client):
    first = client.image.sample("source picture", "grok-imagine-image", aspect_ratio="16:9")
    by_url = client.image.sample("edit by url", "grok-imagine-image", image_url=first.url)
    assert decode(by_url.image).size == (1024, 576)
    uploaded = client.files.upload(png_bytes((300, 600)), filename="ref.png")
    by_file = client.image.sample("edit by file", "grok-imagine-image", image_file_id=uploaded.id)
    assert decode(by_file.image).size == (512, 1024)
    mixed = client.image.sample(
        "mixed refs", "grok-imagine-image", image_file_ids=[uploaded.id], image_urls=[first.url]
    )
    assert decode(mixed.image).size == (512, 1024)


def test_url_expires_after_ttl(short_emu, short_client):
    import time
    import urllib.error

    response = short_client.image.sample("short lived", "grok-imagine-image")
    assert fetch(response.url)[0] == 200
    time.sleep(1.3)
    with pytest.raises(urllib.error.HTTPError) as info:
        fetch(response.url)
    assert info.value.code == 404


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        ({"model": "grok-2-image"}, grpc.StatusCode.NOT_FOUND, "does not exist"),
        ({"model": "nope"}, grpc.StatusCode.NOT_FOUND, "does not exist"),
        ({"prompt": "   "}, grpc.StatusCode.INVALID_ARGUMENT, "prompt is required"),
        ({"n": 0}, grpc.StatusCode.INVALID_ARGUMENT, "n must be between 1 and 10"),
        ({"n": 11}, grpc.StatusCode.INVALID_ARGUMENT, "n must be between 1 and 10"),
        ({"quality": "low"}, grpc.StatusCode.INVALID_ARGUMENT, "quality is only supported"),
        ({"image_url": "https://example.com/cat.png"}, grpc.StatusCode.INVALID_ARGUMENT, "no internet"),
        ({"image_url": "ftp://example.com/cat.png"}, grpc.StatusCode.INVALID_ARGUMENT, "unsupported URL"),
        (
            {"image_url": "data:image/png;base64,bm90IGFuIGltYWdl"},
            grpc.StatusCode.INVALID_ARGUMENT,
            "decoded",
        ),
        ({"image_url": "data:image/png;base64,@@@"}, grpc.StatusCode.INVALID_ARGUMENT, "base64"),
        ({"image_url": "data:image/gif;base64,R0lGODlhAQABAAAAACw="}, grpc.StatusCode.INVALID_ARGUMENT, ""),
        ({"image_file_id": "file_missing"}, grpc.StatusCode.NOT_FOUND, "not found"),
    ],
)
def test_validation_errors(client, kwargs, code, message):
    args = {"prompt": "validation", "model": "grok-imagine-image", "n": 1} | kwargs
    n = args.pop("n")
    err = rpc_error(code, client.image.sample_batch, args.pop("prompt"), args.pop("model"), n, **args)
    assert message in err.details()


def test_gif_and_oversized_and_too_many_references_are_rejected(client):
    gif = png_bytes((8, 8), fmt="GIF")
    err = rpc_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        client.image.sample,
        "gif",
        "grok-imagine-image",
        image_url=data_uri(gif),
    )
    assert "GIF" in err.details()
    big = b"\x89PNG" + b"\0" * (10 * 1024 * 1024 + 10)
    err = rpc_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        client.image.sample,
        "big",
        "grok-imagine-image",
        image_url=data_uri(big),
    )
    assert "10 MiB" in err.details()
    small = data_uri(png_bytes((16, 16)))
    err = rpc_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        client.image.sample,
        "many",
        "grok-imagine-image",
        image_urls=[small] * 6,
    )
    assert "at most 5" in err.details()
    assert client.image.sample("five is fine", "grok-imagine-image", image_urls=[small] * 5).url


def test_unknown_enum_values_are_invalid(emu):
    with grpc.insecure_channel(f"127.0.0.1:{emu.grpc_port}") as channel:
        stub = image_pb2_grpc.ImageStub(channel)
        md = [("authorization", f"Bearer {API_KEY}")]
        for field, value in [("aspect_ratio", 99), ("resolution", 7), ("format", 9)]:
            request = image_pb2.GenerateImageRequest(prompt="enum", model="grok-imagine-image", n=1)
            setattr(request, field, value)
            rpc_error(grpc.StatusCode.INVALID_ARGUMENT, stub.GenerateImage, request, timeout=10, metadata=md)
        # Unset n, format and aspect ratio take the defaults: one URL image, 1:1.
        bare = stub.GenerateImage(
            image_pb2.GenerateImageRequest(prompt="bare", model="grok-imagine-image"), timeout=10, metadata=md
        )
        assert len(bare.images) == 1 and bare.images[0].url and bare.images[0].respect_moderation


def test_decompression_bomb_and_broken_emulator_urls_are_refused(client):
    import io

    from PIL import Image

    bomb = io.BytesIO()
    Image.new("1", (9000, 9000)).save(bomb, "PNG")  # 81 megapixels in a few kilobytes
    err = rpc_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        client.image.sample,
        "bomb",
        "grok-imagine-image",
        image_url=data_uri(bomb.getvalue()),
    )
    assert "too many pixels" in err.details()
    broken = client.image.sample("[fault:url_404] a broken source", "grok-imagine-image")
    err = rpc_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        client.image.sample,
        "edit it",
        "grok-imagine-image",
        image_url=broken.url,
    )
    assert "HTTP 404" in err.details()


def test_storage_options_keep_the_result_as_a_file(client):
    response = client.image.sample("stored", "grok-imagine-image", storage_options={"filename": "kept.jpg"})
    output = response.file_output
    assert output is not None and output.file_id.startswith("file_") and output.filename == "kept.jpg"
    assert client.files.content(output.file_id) == response.image
