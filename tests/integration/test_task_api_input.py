"""The task API under hostile input, with production settings: every refusal is the API's JSON
({"code", "message", ...}), never a 500 or Django's HTML page, and nothing is stored."""

from __future__ import annotations

import base64
import io
import json
import os
import re

import pytest
from django.test import Client
from PIL import Image

from grokstudio.api.api import body_limit
from grokstudio.api.models import ApiToken
from grokstudio.studio.models import Asset, Generation
from grokstudio.studio.web.downloads import RETRY_AFTER_S, Unreadable
from tests.factories import make_generation, make_image

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False


@pytest.fixture
def api(owner) -> Client:
    secret = ApiToken.issue(owner, "script")[1]
    return Client(headers={"Authorization": f"Bearer {secret}"}, raise_request_exception=False)


def post_raw(client: Client, path: str, body: bytes | str, content_type: str = "application/json"):
    return client.post(path, body, content_type=content_type)


def assert_api_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response.content
    error = response.json()
    assert error["code"] == code and error["message"], error
    return error


def data_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


# --- text that no database takes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/xai/images", r'{"prompt": "a\ud800b"}', "prompt"),
        ("/xai/videos", r'{"prompt": "a\ud800b"}', "prompt"),
        ("/xai/videos", r'{"prompt": "a\udfffb", "duration": 6}', "prompt"),
        ("/xai/images", r'{"prompt": "x", "model": "\ud83d"}', "model"),
        ("/xai/images", r'{"prompt": "x", "aspectRatio": "1:1\udc00"}', "aspectRatio"),
        ("/xai/images", r'{"prompt": "x", "images": ["data:image/png;base64,\ud800"]}', "images[0]"),
        ("/xai/videos", r'{"prompt": "x", "callBackUrl": "https://a.example/\ud800"}', "callBackUrl"),
        ("/xai/images", r'{"prompt": "x", "callBackUrl": "https://a.example/\u0000"}', "callBackUrl"),
        ("/xai/images", r'{"prompt": "x", "\ud800": 1}', ""),
        ("/xai/images", r'{"prompt": "x", "keyframes": [{"\ud800": 1}]}', "keyframes[0]"),
    ],
)
def test_a_lone_surrogate_or_nul_in_any_field_is_a_422_naming_the_field(api, path, body, field):
    error = assert_api_error(post_raw(api, path, body), 422, "invalid_request")

    assert error["errors"][0]["field"] == field  # "" is the request as a whole, as the schema says
    assert error["message"].startswith(f"{field or 'body'}: ")
    assert not Generation.objects.exists() and not Asset.objects.exists()


def test_the_surrogate_message_says_what_is_wrong(api):
    error = assert_api_error(post_raw(api, "/xai/images", r'{"prompt": "a\ud800b"}'), 422, "invalid_request")

    assert error["message"] == (
        r"prompt: The text holds a lone surrogate (\ud800), which is not a character; send it as UTF-8."
    )


def test_a_paired_surrogate_is_an_ordinary_character(api):
    response = post_raw(api, "/xai/images", r'{"prompt": "a fox \ud83e\udd8a"}')

    assert response.status_code == 200, response.content
    assert Generation.objects.get().prompt == "a fox \U0001f98a"


# --- what a body may be ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1", "text/json"],
)
@pytest.mark.parametrize("path", ["/xai/images", "/xai/videos"])
def test_only_json_in_utf8_is_read_as_json(api, path, content_type):
    response = post_raw(api, path, json.dumps({"prompt": "x"}), content_type)

    assert_api_error(response, 415, "unsupported_media_type")
    assert not Generation.objects.exists()


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/json; charset=UTF-8"]
)
def test_json_may_name_its_utf8_charset(api, content_type):
    assert post_raw(api, "/xai/images", json.dumps({"prompt": "x"}), content_type).status_code == 200


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"prompt": "x",}', "not valid JSON"),
        (b'{"prompt": "\xff\xfe"}', "not UTF-8"),
    ],
)
def test_a_malformed_body_is_a_400(api, body, why):
    error = assert_api_error(post_raw(api, "/xai/images", body), 400, "bad_request")

    assert why in error["message"]


def test_a_body_over_the_apis_limit_is_a_413_in_json_and_is_not_read(api, settings):
    settings.STUDIO_MAX_UPLOAD_MB = 1  # a limit of about 10 MB: a light test
    body = json.dumps({"prompt": "x", "images": ["data:image/png;base64," + "A" * body_limit()]})

    error = assert_api_error(post_raw(api, "/xai/images", body), 413, "body_too_large")

    assert "1 MB" in error["message"]
    assert not Generation.objects.exists()


def test_a_stranger_gets_the_413_before_the_body_is_read(settings, db):
    settings.STUDIO_MAX_UPLOAD_MB = 1
    body = "x" * (body_limit() + 1)

    response = post_raw(Client(raise_request_exception=False), "/xai/images", body)

    assert_api_error(response, 413, "body_too_large")


def test_the_api_reads_every_reference_a_request_may_carry_at_the_upload_limit(settings):
    # The pages' own limit (DATA_UPLOAD_MAX_MEMORY_SIZE) is far smaller.
    largest = 7 * settings.STUDIO_MAX_UPLOAD_MB * 1024 * 1024 * 4 / 3
    assert largest < body_limit() <= largest + 2 * 1024 * 1024
    assert body_limit() > 10 * settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_a_png_just_under_10_mb_as_a_data_uri_is_taken(api, settings):
    size = (1800, 1800)
    noise = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    out = io.BytesIO()
    noise.save(out, "PNG", compress_level=1)
    png = out.getvalue()
    assert 9 * 1024 * 1024 < len(png) < settings.STUDIO_MAX_UPLOAD_MB * 1024 * 1024

    response = post_raw(
        api, "/xai/images", json.dumps({"prompt": "Make it night", "images": [data_uri(png)]})
    )

    assert response.status_code == 200, response.content
    (upload,) = Asset.objects.all()
    assert (upload.role, upload.width, upload.height) == (Asset.Role.UPLOAD, *size)


def test_an_image_over_the_upload_limit_is_refused_by_name(api, settings):
    settings.STUDIO_MAX_UPLOAD_MB = 1
    big = make_image("PNG") + b"\0" * (1024 * 1024)

    response = post_raw(api, "/xai/images", json.dumps({"prompt": "x", "images": [data_uri(big)]}))

    error = assert_api_error(response, 422, "invalid_request")
    assert "larger than 1 MB" in error["message"]


# --- strict types and what a number must be -----------------------------------------------------


@pytest.mark.parametrize(
    ("path", "changes", "field"),
    [
        ("/xai/images", {"n": "5"}, "n"),
        ("/xai/images", {"n": True}, "n"),
        ("/xai/images", {"n": 2.5}, "n"),  # 2.0 is JSON Schema's integer 2, and taken as 2
        ("/xai/images", {"prompt": 5}, "prompt"),
        ("/xai/images", {"images": [True]}, "images[0]"),
        ("/xai/videos", {"duration": "6"}, "duration"),
        ("/xai/videos", {"duration": True}, "duration"),
        ("/xai/videos", {"audio": 1}, "audio"),
        ("/xai/videos", {"audio": "false"}, "audio"),
        ("/xai/videos", {"videoAssetId": "3", "mode": "extend"}, "videoAssetId"),
    ],
)
def test_a_string_or_a_boolean_is_not_a_number_nor_a_number_a_boolean(api, path, changes, field):
    response = post_raw(api, path, json.dumps({"prompt": "x", **changes}))

    error = assert_api_error(response, 422, "invalid_request")
    assert any(e["field"].startswith(field) for e in error["errors"]), error
    assert not Generation.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"duration": 0}, "duration: Duration must be between 1 and 15 seconds."),
        ({"duration": 16}, "duration: Duration must be between 1 and 15 seconds."),
        ({"duration": -4}, "duration: Duration must be between 1 and 15 seconds."),
        ({"duration": None}, "duration: Give the video's duration in seconds."),
    ],
)
def test_a_duration_out_of_range_says_so(api, changes, message):
    error = assert_api_error(post_raw(api, "/xai/videos", json.dumps({"prompt": "x", **changes})), 422,
                             "invalid_request")  # fmt: skip

    assert error["message"] == message


@pytest.mark.parametrize("n", [0, 11])
def test_a_count_out_of_range_says_so(api, n):
    error = assert_api_error(post_raw(api, "/xai/images", json.dumps({"prompt": "x", "n": n})), 422,
                             "invalid_request")  # fmt: skip

    assert error["message"] == "n: The number of images must be between 1 and 10."


# --- storage -------------------------------------------------------------------------------------


@pytest.mark.parametrize("writes_before_full", [0, 1, 2, 3])
def test_uploads_the_storage_cannot_keep_are_a_503_and_leave_nothing(
    api, full_disk, media_root, writes_before_full
):
    # Two references: a file and a thumbnail each; the disk fills after some of them.
    full_disk.writes_left = writes_before_full
    images = [data_uri(make_image("PNG")), data_uri(make_image("PNG", size=(30, 40)))]

    response = post_raw(api, "/xai/images", json.dumps({"prompt": "Two of them", "images": images}))

    error = assert_api_error(response, 503, "storage_unavailable")
    assert "storage is unavailable" in error["message"]
    assert int(response["Retry-After"]) == RETRY_AFTER_S
    assert not Generation.objects.exists() and not Asset.objects.exists()
    assert [p for p in media_root.rglob("*") if p.is_file()] == []


def test_a_result_the_storage_cannot_read_is_a_503_not_a_500(api, owner):
    result = make_generation(owner).outputs.get()
    result.file.storage.delete(result.file.name)  # as a disk or a bucket that lost it

    assert_api_error(api.get(f"/xai/files/{result.pk}"), 503, "storage_unavailable")


@pytest.mark.parametrize("headers", [{}, {"HTTP_RANGE": "bytes=0-99"}], ids=["whole", "range"])
def test_a_result_the_storage_cannot_read_says_when_to_ask_again(api, owner, headers):
    result = make_generation(owner).outputs.get()
    result.file.storage.delete(result.file.name)

    response = api.get(f"/xai/files/{result.pk}", **headers)

    error = assert_api_error(response, 503, "storage_unavailable")
    assert int(response["Retry-After"]) == RETRY_AFTER_S  # as the pages answer the same file
    assert error["message"] == Unreadable.message


def test_a_file_that_is_not_yours_is_a_file_not_found(api, stranger):
    result = make_generation(stranger).outputs.get()

    error = assert_api_error(api.get(f"/xai/files/{result.pk}"), 404, "not_found")
    assert error["message"] == "No such file in your studio."


# --- rules the schema cannot state: each refused with its own code ---------------------------------
# test_api_schema.py excuses these codes, and only these, from schemathesis' positive_data_acceptance.


def refused_codes(response) -> list[tuple[str, str]]:
    error = assert_api_error(response, 422, response.json().get("code", ""))
    return [(e["field"], e["code"]) for e in error["errors"]]


@pytest.mark.parametrize("path", ["/xai/images", "/xai/videos"])
def test_an_unknown_preset_is_refused_by_code(api, path):
    response = post_raw(api, path, json.dumps({"prompt": "x", "preset": "0"}))

    assert refused_codes(response) == [("preset", "unknown_preset")]
    assert not Generation.objects.exists()


@pytest.mark.parametrize("cursor", ["20250230120000000000-1", "__main__"])
def test_a_cursor_that_names_no_instant_is_refused_by_code(api, cursor):
    assert refused_codes(api.get("/xai/tasks", {"cursor": cursor})) == [("cursor", "bad_cursor")]


def test_the_other_parameters_are_checked_when_a_task_id_is_given_too(api):
    response = api.get("/xai/tasks", {"taskId": "1", "kind": "\x04"})

    assert refused_codes(response) == [("kind", "invalid_choice")]


def test_a_data_uri_that_is_not_an_image_is_refused_by_code(api):
    body = {"prompt": "x", "images": [data_uri(b"these bytes are no picture")]}

    assert refused_codes(post_raw(api, "/xai/images", json.dumps(body))) == [("images", "invalid_image")]
    assert not Asset.objects.exists()


def test_a_url_off_the_allow_list_is_refused_by_code(api, settings):
    settings.STUDIO_API_FETCH_HOSTS = ["images.example.com"]
    image = {"prompt": "x", "images": ["https://elsewhere.example.com/a.png"]}
    callback = {"prompt": "x", "callBackUrl": "https://elsewhere.example.com/done"}

    assert refused_codes(post_raw(api, "/xai/images", json.dumps(image))) == [
        ("images[0]", "url_not_allowed")
    ]
    assert refused_codes(post_raw(api, "/xai/videos", json.dumps(callback))) == [
        ("callBackUrl", "callback_not_allowed")
    ]
    assert not Generation.objects.exists()


def test_a_clip_id_not_in_the_gallery_is_refused_by_code(api):
    body = {"prompt": "x", "mode": "extend", "videoAssetId": 999999}

    assert ("videoAssetId", "not_in_gallery") in refused_codes(post_raw(api, "/xai/videos", json.dumps(body)))


V15 = "grok-imagine-video-1.5"


@pytest.mark.parametrize(
    ("path", "changes", "refused"),
    [
        ("/xai/videos", {"resolution": "1080p"}, ("resolution", "not_offered")),
        ("/xai/videos", {"mode": "reference", "duration": 15, "images": ["PNG"]},
         ("duration", "reference_duration")),
        ("/xai/videos", {"model": V15, "mode": "reference", "resolution": "1080p", "images": ["PNG"]},
         ("resolution", "reference_resolution")),
        ("/xai/images", {"quality": "low"}, ("quality", "no_quality")),
        ("/xai/videos", {"keyframes": [{"image": "PNG", "timeS": 1}]}, ("keyframes", "no_keyframes")),
        ("/xai/videos", {"model": V15, "duration": 6, "keyframes": [{"image": "PNG", "timeS": 7}]},
         ("keyframes", "keyframe_outside")),
        ("/xai/videos",
         {"model": V15, "keyframes": [{"image": "PNG", "timeS": 1}, {"image": "PNG", "timeS": 1.1}]},
         ("keyframes", "keyframes_too_close")),
        ("/xai/videos", {"model": V15, "voices": ["ara"], "audio": False},
         ("voices", "voices_without_audio")),
        ("/xai/videos", {"voices": ["ara"]}, ("voices", "no_voices")),
        ("/xai/videos", {"mode": "reference", "keyframes": [{"image": "PNG", "timeS": 1}]},
         ("keyframes", "not_for_mode")),
        ("/xai/videos", {"mode": "image", "images": ["PNG", "PNG"]}, ("images", "one_image")),
        ("/xai/videos", {"mode": "image"}, ("images", "required")),
    ],
)  # fmt: skip
def test_a_rule_across_fields_is_refused_by_code(api, path, changes, refused):
    """A field's limit set by another field: said in the schema's description, refused by code."""
    png = data_uri(make_image("PNG"))
    body = json.loads(json.dumps({"prompt": "x", **changes}).replace('"PNG"', json.dumps(png)))

    assert refused in refused_codes(post_raw(api, path, json.dumps(body)))
    assert not Generation.objects.exists()


# --- refusals of the schema, in the studio's words --------------------------------------------

# Every code a 422 may carry for a value of the wrong shape: the studio's own (studio.validation).
SCHEMA_CODES = {"required", "invalid", "unknown_field"}
FIELD_PATH = r"^[A-Za-z]+(?:\[[0-9]+\])?(?:\.[A-Za-z]+)?$"


@pytest.mark.parametrize(
    ("path", "body", "refused"),
    [
        ("/xai/videos", {"keyframes": [{}]},
         [("keyframes[0].image", "required"), ("keyframes[0].timeS", "required")]),
        ("/xai/videos", {"keyframes": [{"image": True, "timeS": "1"}]},
         [("keyframes[0].image", "invalid"), ("keyframes[0].timeS", "invalid")]),
        ("/xai/videos", {"keyframes": [5]}, [("keyframes[0]", "invalid")]),
        ("/xai/videos", {"keyframes": {"image": "1"}}, [("keyframes", "invalid")]),
        ("/xai/videos", {"voices": [1]}, [("voices[0]", "invalid")]),
        ("/xai/videos", {"audio": 1, "duration": "6"}, [("duration", "invalid"), ("audio", "invalid")]),
        ("/xai/images", {"images": [True, "1", 1.5]}, [("images[0]", "invalid"), ("images[2]", "invalid")]),
        ("/xai/images", {"n": 2.5, "quality": 3}, [("n", "invalid"), ("quality", "invalid")]),
        ("/xai/images", {"prompt": ["x"]}, [("prompt", "invalid")]),
    ],
)  # fmt: skip
def test_a_value_of_the_wrong_shape_is_refused_in_the_studios_words(api, path, body, refused):
    response = post_raw(api, path, json.dumps({"prompt": "x", **body}))

    error = assert_api_error(response, 422, "invalid_request")
    assert [(e["field"], e["code"]) for e in error["errors"]] == refused
    for problem in error["errors"]:
        assert problem["code"] in SCHEMA_CODES and re.match(FIELD_PATH, problem["field"]), problem
        assert not re.search(r"KeyframeIn|function-|valid dictionary|instance of", problem["message"]), (
            problem
        )
    assert error["message"] == f"{refused[0][0]}: {error['errors'][0]['message']}"
    assert not Generation.objects.exists()


def test_a_missing_prompt_is_refused_as_a_blank_one_is(api):
    missing = assert_api_error(post_raw(api, "/xai/images", "{}"), 422, "invalid_request")
    blank = assert_api_error(
        post_raw(api, "/xai/images", json.dumps({"prompt": "  "})), 422, "invalid_request"
    )

    assert (
        missing["errors"]
        == blank["errors"]
        == [{"field": "prompt", "code": "required", "message": "Write a prompt first."}]
    )
    assert missing["message"] == blank["message"] == "prompt: Write a prompt first."


@pytest.mark.parametrize(
    ("query", "field"), [("/xai/tasks?limit=abc", "limit"), ("/xai/files/abc", "asset_id")]
)
def test_a_parameter_that_is_not_a_number_is_refused_in_the_studios_words(api, query, field):
    error = assert_api_error(api.get(query), 422, "invalid_request")

    assert error["errors"] == [{"field": field, "code": "invalid", "message": "Expected a whole number."}]


def test_a_schema_refusal_of_a_kind_the_studio_does_not_name_is_invalid_in_plain_words():
    from grokstudio.api.api import _schema_error

    error = {"loc": ("body", "payload", "keyframes", 1, "image"), "type": "string_too_long",
             "msg": "String should have at most 5 characters", "ctx": {"max_length": 5}}  # fmt: skip

    assert _schema_error(error) == {
        "field": "keyframes[1].image",
        "code": "invalid",
        "message": "This value is not valid here.",
    }


def test_an_unknown_field_is_ignored_unless_it_holds_an_object_or_a_list(api):
    taken = post_raw(
        api, "/xai/images", json.dumps({"prompt": "x", "note": "mine", "tries": 2, "seen": None})
    )
    nested = post_raw(api, "/xai/images", json.dumps({"prompt": "x", "note": {"a": 1}}))
    keyframe = {"image": "1", "timeS": 1, "label": ["a"]}
    in_keyframe = post_raw(api, "/xai/videos", json.dumps({"prompt": "x", "keyframes": [keyframe]}))

    assert taken.status_code == 200, taken.content
    assert refused_codes(nested) == [("note", "unknown_field")]
    assert refused_codes(in_keyframe) == [("keyframes[0].label", "unknown_field")]
