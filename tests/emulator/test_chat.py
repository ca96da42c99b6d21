"""The Chat service through the real SDK: deterministic answers, vision inputs, usage, faults."""

from __future__ import annotations

import grpc
import pytest
import xai_sdk
from xai_sdk.chat import image, system, user

from .helpers import API_KEY, RPC_TIMEOUT_S, data_uri, png_bytes, rpc_error

MODEL = "grok-4"


def ask(client, *parts, instructions="You improve prompts for an image model.", **options):
    return client.chat.create(model=MODEL, messages=[system(instructions), user(*parts)], **options)


def test_an_improved_prompt_starts_from_the_persons_words_and_is_billed(client):
    response = ask(client, "a lighthouse at dusk").sample()

    assert response.content.startswith("a lighthouse at dusk, ")
    assert len(response.content) > len("a lighthouse at dusk") + 20
    assert response.finish_reason == "REASON_STOP"
    assert response.proto.model == "grok-4-0709"  # an alias answers with the dated name
    usage = response.usage
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert usage.cost_in_usd_ticks == usage.prompt_tokens * 30_000 + usage.completion_tokens * 150_000


def test_the_same_request_gets_the_same_answer(client):
    assert ask(client, "a red fox").sample().content == ask(client, "a red fox").sample().content


def test_a_video_prompt_gets_camera_and_motion_detail(client):
    still = ask(client, "a dog running on a beach").sample().content
    moving = ask(client, "a dog running on a beach", instructions="You improve prompts for a video model.")
    text = moving.sample().content

    assert text.startswith("a dog running on a beach, ")
    assert any(word in text for word in ("dolly", "camera", "tracking", "motion", "wide"))
    assert text != still


def test_an_attached_image_lends_its_colours_to_an_improved_prompt(client):
    reference = data_uri(png_bytes((120, 80), (20, 40, 220)))
    text = ask(client, "a castle", image(reference)).sample().content

    assert text.startswith("a castle, ")
    assert "blue" in text


@pytest.mark.parametrize(
    ("size", "colour", "name", "orientation", "ratio"),
    [
        ((200, 100), (200, 30, 30), "red", "landscape", "2:1"),
        ((90, 160), (30, 160, 40), "green", "portrait", "9:16"),
        ((128, 128), (250, 250, 250), "white", "square", "1:1"),
    ],
)
def test_a_description_names_the_dominant_colour_and_the_shape(
    client, size, colour, name, orientation, ratio
):
    response = ask(client, image(data_uri(png_bytes(size, colour))), instructions="Describe it").sample()

    first = response.content.splitlines()[0]
    assert name in first
    assert f"{orientation} ({ratio})" in first.lower()
    assert response.usage.prompt_image_tokens > 0


def test_two_colours_are_both_named():
    from io import BytesIO

    from PIL import Image

    from grokstudio.emulator.chat import look
    from grokstudio.emulator.inputs import decode_image

    picture = Image.new("RGB", (100, 100), (200, 30, 30))
    picture.paste((30, 40, 220), (0, 0, 100, 40))
    out = BytesIO()
    picture.save(out, "PNG")
    seen = look(decode_image(out.getvalue(), "test"))
    assert seen.colours == ["red", "blue"]


def test_a_description_offers_four_prompts_one_a_line(client):
    lines = ask(client, image(data_uri(png_bytes((64, 64), (240, 200, 20)))), instructions="Describe it")
    lines = lines.sample().content.splitlines()

    assert len(lines) == len(set(lines)) == 4
    assert all("yellow" in line for line in lines)


@pytest.mark.filterwarnings("ignore:chat.sample_batch:PendingDeprecationWarning")
def test_a_batch_gives_distinct_answers_billed_once(client):
    chat = ask(client, image(data_uri(png_bytes((64, 64), (240, 200, 20)))), instructions="Describe it")
    responses = chat.sample_batch(3)

    assert len({r.content for r in responses}) == 3
    # One usage for the whole call, shared by its answers.
    assert len({r.usage.cost_in_usd_ticks for r in responses}) == 1


def test_streaming_gives_the_same_text_and_usage_as_a_plain_call(client, emu):
    plain = ask(client, "a quiet harbour at night").sample()
    streamed = None
    for streamed, _chunk in ask(client, "a quiet harbour at night").stream():  # noqa: B007
        pass

    assert streamed.content == plain.content
    assert streamed.usage.cost_in_usd_ticks == plain.usage.cost_in_usd_ticks
    assert emu.calls("GetCompletionChunk")[-1]["code"] == "OK"


def test_max_tokens_cuts_the_answer_and_says_so(client):
    response = ask(client, "a very long prompt about mountains and rivers", max_tokens=3).sample()

    assert len(response.content) <= 12
    assert response.finish_reason == "REASON_MAX_LEN"


@pytest.mark.parametrize(
    ("uri", "says"),
    [
        ("data:image/png;base64,%%%not-base64%%%", "not valid base64"),
        (data_uri(b"definitely not an image"), "could not be decoded"),
        (data_uri(png_bytes((32, 32), fmt="WEBP"), "image/webp"), "WEBP images are not supported"),
        (data_uri(png_bytes((32, 32), fmt="GIF"), "image/gif"), "GIF images are not supported"),
        ("https://example.com/cat.png", "no internet"),
    ],
    ids=["bad-base64", "not-an-image", "webp", "gif", "outside-url"],
)
def test_a_bad_image_is_refused_as_invalid_argument(client, emu, uri, says):
    error = rpc_error(grpc.StatusCode.INVALID_ARGUMENT, ask(client, "a cat", image(uri)).sample)

    assert says in error.details()
    assert emu.calls("GetCompletion")[-1]["code"] == "INVALID_ARGUMENT"


def test_an_unknown_model_is_not_found(client):
    chat = client.chat.create(model="grok-0-imaginary", messages=[user("hello")])
    rpc_error(grpc.StatusCode.NOT_FOUND, chat.sample)


def test_a_conversation_without_text_or_image_is_refused(client):
    rpc_error(grpc.StatusCode.INVALID_ARGUMENT, ask(client, "   ").sample)


def test_a_wrong_key_is_unauthenticated(emu_process):
    with xai_sdk.Client(api_key="wrong", api_host=emu_process.grpc_target, timeout=RPC_TIMEOUT_S) as other:
        rpc_error(grpc.StatusCode.UNAUTHENTICATED, ask(other, "a cat").sample)


def test_a_moderation_marker_is_refused_like_xai_refuses_a_conversation(client):
    error = rpc_error(grpc.StatusCode.PERMISSION_DENIED, ask(client, "something [fault:moderation]").sample)
    assert "usage guidelines" in error.details()


def test_queued_faults_hit_the_chat_methods(client, emu):
    emu.add_fault("GetCompletion", "permission_denied")
    rpc_error(grpc.StatusCode.PERMISSION_DENIED, ask(client, "a cat").sample)
    assert ask(client, "a cat").sample().content.startswith("a cat")

    # The SDK retries UNAVAILABLE itself: one outage is absorbed, five are not.
    emu.add_fault("GetCompletion", "unavailable", times=1)
    assert ask(client, "a dog").sample().content.startswith("a dog")
    emu.add_fault("GetCompletionChunk", "unavailable", times=5)
    with pytest.raises(grpc.RpcError) as info:
        for _ in ask(client, "a bird").stream():
            pass
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE


def test_the_call_record_keeps_the_end_user_id(client, emu):
    ask(client, "a cat with an owner", user="studio-user-1").sample()
    ask(client, "a cat without one").sample()

    calls = emu.calls("GetCompletion")
    assert calls[-2]["user"] == "studio-user-1"
    assert calls[-2]["request"]["user"] == "studio-user-1"
    assert "user" not in calls[-1]
    assert calls[-2]["response"]["usage"]["cost_in_usd_ticks"]


def test_the_api_key_is_not_recorded_in_full(client, emu):
    ask(client, "a secret-keeping cat").sample()
    assert API_KEY not in str(emu.calls("GetCompletion")[-1])
