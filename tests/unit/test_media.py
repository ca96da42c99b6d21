"""Pillow at the edges: what the studio accepts, what it cleans, what it refuses."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import ExifTags, Image

from grokstudio.studio.media.images import (
    THUMBNAIL_MAX_SIDE,
    CheckedImage,
    ImageRejected,
    check_reference,
    check_result,
    thumbnail_webp,
)
from tests.factories import make_image


def noisy_image(fmt: str, size: tuple[int, int] = (256, 256)) -> bytes:
    """An image that does not compress to a few bytes, so that cutting it loses pixels."""
    out = io.BytesIO()
    Image.effect_noise(size, 64).convert("RGB").save(out, fmt)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A 1-bit palette PNG that claims huge dimensions in a few dozen bytes: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 3, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"PLTE", b"\x00\x00\x00")
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def jpeg_with_metadata() -> bytes:
    """A 64x48 photo as a phone writes it: rotated by an EXIF tag, with a camera and a GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # rotate 90° clockwise to display
    exif[ExifTags.Base.Make] = "Phone Maker"
    exif[ExifTags.Base.Model] = "Phone 12"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (51.0, 30.0, 12.0),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (0.0, 7.0, 40.0),
    }
    return make_image("JPEG", size=(64, 48), exif=exif)


def opened(checked: CheckedImage) -> Image.Image:
    return Image.open(io.BytesIO(checked.data))


# --- check_reference: what is accepted ---------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"),
    [("PNG", "image/png", "png"), ("JPEG", "image/jpeg", "jpg"), ("WEBP", "image/webp", "webp")],
)
def test_it_accepts_and_reencodes_png_jpeg_and_webp(fmt, content_type, extension):
    # Bytes after the image (a polyglot's hidden payload) do not survive re-encoding.
    original = make_image(fmt, size=(64, 48)) + b"PK\x03\x04hidden-payload"

    checked = check_reference(original, f"photo.{extension}")

    assert checked.format == fmt
    assert (checked.width, checked.height) == (64, 48)
    assert checked.content_type == content_type
    assert checked.extension == extension
    assert b"hidden-payload" not in checked.data
    image = opened(checked)
    assert image.format == fmt
    assert image.size == (64, 48)
    image.load()


def test_it_removes_exif_and_gps_from_a_jpeg():
    original = jpeg_with_metadata()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    checked = check_reference(original, "holiday.jpg")

    exif = opened(checked).getexif()
    assert dict(exif) == {}
    assert exif.get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert b"Exif" not in checked.data
    assert b"Phone Maker" not in checked.data


def test_it_applies_the_exif_orientation_to_the_pixels():
    checked = check_reference(jpeg_with_metadata(), "holiday.jpg")

    # Orientation 6 turns a 64x48 landscape into a 48x64 portrait.
    assert (checked.width, checked.height) == (48, 64)
    assert opened(checked).size == (48, 64)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_it_removes_exif_from_png_and_webp(fmt):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Phone Maker"
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (1.0, 2.0, 3.0)}

    checked = check_reference(make_image(fmt, size=(64, 48), exif=exif), "image")

    assert dict(opened(checked).getexif()) == {}
    assert b"Phone Maker" not in checked.data
    assert (checked.width, checked.height) == (48, 64)


def test_it_removes_a_jpeg_comment():
    original = make_image("JPEG", comment=b"Taken at 12 Acacia Avenue")

    checked = check_reference(original, "photo.jpg")

    assert "comment" not in opened(checked).info
    assert b"Acacia" not in checked.data


def test_it_removes_png_text_chunks():
    from PIL.PngImagePlugin import PngInfo

    text = PngInfo()
    text.add_text("Author", "Jane Doe")
    checked = check_reference(make_image("PNG", pnginfo=text), "drawing.png")

    assert b"Jane Doe" not in checked.data


# --- check_reference: what is refused ----------------------------------------


def test_it_refuses_a_text_file_named_png():
    with pytest.raises(ImageRejected) as exc:
        check_reference(b"Dear diary,\nthis is not a picture.\n", "notes.png")

    assert str(exc.value) == "“notes.png”: This file is not an image the studio can read (PNG, JPEG or WebP)."


def test_it_refuses_svg():
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    )

    with pytest.raises(ImageRejected) as exc:
        check_reference(svg, "logo.svg")

    assert "“logo.svg”" in str(exc.value)
    assert "not an image the studio can read" in str(exc.value)


def test_it_refuses_gif_naming_the_allowed_formats():
    with pytest.raises(ImageRejected) as exc:
        check_reference(make_image("GIF"), "cat.gif")

    assert str(exc.value) == "“cat.gif”: GIF images are not supported; use PNG, JPEG, WebP."


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_it_refuses_a_truncated_image(fmt):
    data = noisy_image(fmt)

    with pytest.raises(ImageRejected) as exc:
        check_reference(data[: len(data) // 2], "cut.img")

    assert str(exc.value) == "“cut.img”: The image is damaged or incomplete and could not be read."


def test_it_refuses_a_decompression_bomb():
    bomb = png_header_only(30_000, 30_000)
    assert len(bomb) < 200

    with pytest.raises(ImageRejected) as exc:
        check_reference(bomb, "bomb.png")

    assert str(exc.value) == "“bomb.png”: The image has too many pixels to be processed safely."


def test_it_refuses_an_image_over_pillows_warning_limit():
    # 100 Mpx is past Pillow's warning threshold (89 Mpx) but under its hard error.
    with pytest.raises(ImageRejected) as exc:
        check_reference(png_header_only(10_000, 10_000), "big.png")

    assert "10000x10000 pixels" in str(exc.value)


def test_it_refuses_more_pixels_than_the_studio_limit(settings):
    settings.STUDIO_MAX_IMAGE_PIXELS = 1000

    with pytest.raises(ImageRejected) as exc:
        check_reference(make_image("PNG", size=(64, 48)), "wide.png")

    assert str(exc.value) == "“wide.png”: The image is 64x48 pixels; the limit is 1,000 pixels."


def test_it_refuses_a_header_claiming_more_pixels_than_the_studio_limit():
    # 64 Mpx: under Pillow's own limits, over the studio's default 50 Mpx.
    with pytest.raises(ImageRejected) as exc:
        check_reference(png_header_only(8000, 8000), "huge.png")

    assert "8000x8000 pixels" in str(exc.value)


def test_it_refuses_an_oversize_file(settings):
    settings.STUDIO_MAX_UPLOAD_MB = 1
    data = make_image("PNG") + b"\0" * (1024 * 1024)

    with pytest.raises(ImageRejected) as exc:
        check_reference(data, "large.png")

    assert str(exc.value) == "“large.png”: the file is larger than 1 MB."


def test_it_accepts_a_file_just_under_the_size_limit(settings):
    settings.STUDIO_MAX_UPLOAD_MB = 1
    data = make_image("PNG")

    assert check_reference(data + b"\0" * (1024 * 1024 - len(data)), "ok.png").format == "PNG"


def test_it_refuses_an_empty_file():
    with pytest.raises(ImageRejected) as exc:
        check_reference(b"", "empty.png")

    assert str(exc.value) == "“empty.png”: the file is empty."


def test_it_leaves_the_name_out_when_there_is_none():
    with pytest.raises(ImageRejected) as exc:
        check_reference(b"")

    assert str(exc.value) == "the file is empty."


# --- check_result --------------------------------------------------------------


def test_check_result_keeps_xais_bytes_as_they_are():
    data = make_image("JPEG", size=(80, 60))

    checked = check_result(data)

    assert checked.data == data
    assert (checked.format, checked.width, checked.height) == ("JPEG", 80, 60)
    assert checked.content_type == "image/jpeg"


def test_check_result_refuses_what_is_not_an_image():
    with pytest.raises(ImageRejected):
        check_result(b"<html>Access denied</html>")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_check_result_refuses_a_truncated_download(fmt):
    data = noisy_image(fmt)

    with pytest.raises(ImageRejected):
        check_result(data[: len(data) // 2])


@pytest.mark.parametrize("missing", [12, 16, 20])
def test_check_result_refuses_a_png_cut_before_its_end(missing):
    # A download that lost its last bytes: the pixels may all be there, but the
    # file stored as-is would end without its IEND chunk.
    data = noisy_image("PNG")

    with pytest.raises(ImageRejected):
        check_result(data[:-missing])


def test_check_result_refuses_a_decompression_bomb():
    with pytest.raises(ImageRejected):
        check_result(png_header_only(30_000, 30_000))


# --- thumbnail_webp --------------------------------------------------------------


def test_thumbnail_is_webp_with_its_longest_side_512():
    thumb = Image.open(io.BytesIO(thumbnail_webp(make_image("PNG", size=(2000, 1000)))))

    assert thumb.format == "WEBP"
    assert thumb.size == (THUMBNAIL_MAX_SIDE, 256)
    assert THUMBNAIL_MAX_SIDE == 512


def test_thumbnail_of_a_tall_image_is_512_high():
    thumb = Image.open(io.BytesIO(thumbnail_webp(make_image("JPEG", size=(600, 1200)))))

    assert thumb.size == (256, 512)


def test_thumbnail_does_not_enlarge_a_small_image():
    thumb = Image.open(io.BytesIO(thumbnail_webp(make_image("PNG", size=(64, 48)))))

    assert (thumb.format, thumb.size) == ("WEBP", (64, 48))


def test_thumbnail_of_a_palette_image_with_transparency_keeps_alpha():
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0)).convert("P")
    out = io.BytesIO()
    image.save(out, "PNG", transparency=0)

    thumb = Image.open(io.BytesIO(thumbnail_webp(out.getvalue())))

    assert thumb.format == "WEBP"
    assert thumb.mode in ("RGB", "RGBA")


def test_it_refuses_an_image_whose_exif_is_damaged():
    with pytest.raises(ImageRejected) as exc:
        check_reference(make_image("WEBP", exif=b"garbage-not-exif"), "bad.webp")

    assert "metadata is damaged" in str(exc.value)


def test_it_takes_a_phone_mpo_photo_as_a_plain_jpeg():
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(
        out, "MPO", save_all=True, append_images=[Image.new("RGB", (40, 30), "blue")]
    )

    checked = check_reference(out.getvalue(), "phone.jpg")

    assert checked.format == "JPEG"
    assert checked.content_type == "image/jpeg"
    image = opened(checked)
    assert image.format == "JPEG"
    assert image.getpixel((20, 15))[0] > 200  # the first frame, the red one
