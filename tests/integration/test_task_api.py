"""The task API with personal tokens, through the real pipeline and the emulator."""

from __future__ import annotations

import base64
import io

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from PIL import Image

from grokstudio.api.models import ApiToken
from grokstudio.studio.models import Asset, Generation, Preset, Reference
from tests.factories import make_generation, make_image
from tests.integration.drive import drive

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret(owner) -> str:
    return ApiToken.issue(owner, "script")[1]


@pytest.fixture
def api(secret) -> Client:
    """A script's client: a Bearer token, no cookie, no CSRF token."""
    return Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {secret}"})


def post(client: Client, path: str, body: dict):
    return client.post(path, body, content_type="application/json")


@pytest.mark.django_db(transaction=True)  # the poller starts generations on its own threads
def test_an_image_task_is_created_polled_to_completion_and_downloaded(api, owner, xai):
    created = post(api, "/xai/images", {"prompt": "A lighthouse at dusk", "aspectRatio": "16:9"})

    assert created.status_code == 200, created.content
    task = created.json()
    assert task["status"] == "pending" and task["results"] == []
    generation = Generation.objects.get(pk=int(task["taskId"]))
    assert generation.user == owner and generation.params["aspect_ratio"] == "16:9"

    drive(generation)  # what the workers do
    done = api.get(f"/xai/tasks?taskId={task['taskId']}").json()
    assert done["status"] == "completed" and done["progress"] == 100
    assert done == api.get(f"/xai/tasks/{task['taskId']}").json()
    (result,) = done["results"]
    downloaded = api.get(result["url"].removeprefix("http://testserver"))
    image = Image.open(io.BytesIO(b"".join(downloaded.streaming_content)))
    assert image.size == (result["width"], result["height"]) and image.width > image.height
    assert done["costUsd"] > 0


def test_a_data_uri_reference_makes_an_edit(api, xai):
    uri = "data:image/png;base64," + base64.b64encode(make_image("PNG", size=(64, 48))).decode()

    task = post(api, "/xai/images", {"prompt": "Make it night", "images": [uri]}).json()

    assert Generation.objects.get(pk=int(task["taskId"])).params["mode"] == "edit"


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({}, "missing"),
        ({"Authorization": "Bearer"}, "malformed"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "not bearer"),
        ({"Authorization": "Bearer gs_00000000_not-a-real-secret"}, "wrong"),
    ],
)
def test_a_request_without_a_valid_token_gets_json_401_never_a_sign_in_page(db, headers, why):
    response = Client(headers=headers).get("/xai/tasks/1")

    assert response.status_code == 401, why
    assert response.json()["code"] == "unauthorized"
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_revoked_token_gets_401(api, owner, secret):
    ApiToken.objects.get(user=owner).revoke()

    assert api.get("/xai/tasks/1").status_code == 401


def test_another_users_task_is_404_json(api, stranger):
    theirs = Generation.objects.create(user=stranger, prompt="theirs", model="grok-imagine-image")

    for path in (f"/xai/tasks/{theirs.pk}", f"/xai/tasks?taskId={theirs.pk}", "/xai/tasks/abc"):
        response = api.get(path)
        assert response.status_code == 404 and response.json()["code"] == "not_found", path


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"aspectRatio": "16:9"}, "invalid_request", "prompt"),
        ({"prompt": "x", "aspectRatio": "5:4"}, "invalid_request", "aspectRatio"),
        ({"prompt": "x", "n": 11}, "invalid_request", "n"),
        ({"prompt": "x", "model": "dall-e"}, "invalid_request", "model"),
        ({"prompt": "x", "images": ["https://example.com/cat.png"]}, "url_not_allowed", None),
        ({"prompt": "x", "images": ["data:image/png;base64,@@@"]}, "invalid_image", None),
        # Decoded, but not a picture: the same code as an undecodable one.
        ({"prompt": "x", "images": ["data:image/png;base64,aGVsbG8="]}, "invalid_image", "images"),
        ({"prompt": "x" * 1001}, "invalid_request", "prompt"),
    ],
)
def test_bad_input_is_a_422_with_a_stable_code_and_nothing_is_stored(api, body, code, field):
    response = post(api, "/xai/images", body)

    assert response.status_code == 422, response.content
    error = response.json()
    assert error["code"] == code and error["message"]
    if field:
        assert field in {e["field"] for e in error["errors"]}
    assert not Generation.objects.exists()


def test_a_long_prompt_is_refused_in_the_same_words_as_the_create_form(api, owner_client):
    body = {"prompt": "x" * 1234}

    answer = post(api, "/xai/images", body).json()
    page = owner_client.post("/generate/", {"kind": "image", **body, "model": "grok-imagine-image", "n": 1})

    said = "234 characters over the 1,000 limit."
    assert answer["message"] == f"prompt: {said}"
    assert said in page.content.decode()


def test_the_form_and_the_api_refuse_the_same_request_with_the_same_code(owner):
    from grokstudio.studio.validation import check_image_request
    from grokstudio.studio.web.forms import ImageGenerationForm

    request = {"prompt": "a fox", "model": "grok-imagine-image", "resolution": "1k", "n": 11}
    form = ImageGenerationForm({**request, "aspect_ratio": ""}, user=owner)
    with pytest.raises(ValidationError) as refused:
        check_image_request(owner, {**request, "aspect_ratio": ""})

    assert not form.is_valid()
    assert [e.code for e in form.errors.as_data()["n"]] == [e.code for e in refused.value.error_dict["n"]]


def test_a_task_over_the_monthly_budget_is_refused_with_over_budget(api, owner, settings):
    settings.STUDIO_MONTHLY_BUDGET_USD = 0.05
    make_generation(owner, cost_usd_ticks=4 * 10**8)  # $0.04 spent: one more image costs $0.02

    response = post(api, "/xai/images", {"prompt": "One too many"})

    assert response.status_code == 422, response.content
    error = response.json()
    assert error["code"] == "over_budget"
    assert error["message"].startswith("This would cost about $0.02 and you have $0.01 left")
    assert error["errors"] == [{"field": "", "code": "over_budget", "message": error["message"]}]
    assert Generation.objects.count() == 1


REFERENCE_TASKS = [
    pytest.param("/xai/images", {}, "edit", id="image-edit"),
    pytest.param("/xai/videos", {"mode": "reference", "duration": 6}, "reference", id="reference-to-video"),
    pytest.param("/xai/videos", {"mode": "image", "duration": 6}, "image", id="image-to-video"),
]


@pytest.mark.parametrize(("path", "body", "mode"), REFERENCE_TASKS)
def test_a_gallery_image_given_by_id_is_referenced_as_it_is(api, owner, path, body, mode):
    image = make_generation(owner).outputs.get()
    assets = Asset.objects.count()

    response = post(api, path, {"prompt": "The same, at night", "images": [image.pk], **body})

    assert response.status_code == 200, response.content
    generation = Generation.objects.get(pk=int(response.json()["taskId"]))
    assert generation.params["mode"] == mode
    assert list(Reference.objects.filter(generation=generation).values_list("asset_id", flat=True)) == [
        image.pk
    ]
    assert Asset.objects.count() == assets  # no copy of the file


@pytest.mark.parametrize(("path", "body", "mode"), REFERENCE_TASKS)
def test_another_users_gallery_image_is_refused_and_nothing_is_stored(api, stranger, path, body, mode):
    theirs = make_generation(stranger).outputs.get()
    before = (Generation.objects.count(), Asset.objects.count())

    response = post(api, path, {"prompt": "Theirs, at night", "images": [str(theirs.pk)], **body})

    assert response.status_code == 422, response.content
    error = response.json()
    assert error["code"] == "invalid_request"
    assert error["message"] == "images: That image is not in your gallery."
    assert error["errors"][0] == {
        "field": "images",
        "code": "not_in_gallery",
        "message": "That image is not in your gallery.",
    }
    assert (Generation.objects.count(), Asset.objects.count()) == before


def test_a_malformed_json_body_is_a_400_not_a_500(api):
    response = api.post("/xai/images", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_the_tokens_page_shows_a_secret_once_and_keeps_only_its_digest(owner_client, owner):
    made = owner_client.post("/accounts/api-tokens/", {"name": "nightly batch"})
    assert made.status_code == 302  # a reload of the page shown next makes no second token
    page = owner_client.get(made.url)

    token = ApiToken.objects.get(user=owner, name="nightly batch")
    shown = page.text.split('<code id="new-token">')[1].split("</code>")[0]
    assert shown.startswith(token.prefix + "_") and ApiToken.authenticate(shown) == token
    assert shown not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert page["Cache-Control"] == "no-store"
    again = owner_client.get("/accounts/api-tokens/")
    assert shown not in again.text and f"{token.prefix}…" in again.text


def test_revoking_from_the_page(owner_client, owner, secret):
    token = ApiToken.objects.get(user=owner)

    owner_client.post(f"/accounts/api-tokens/{token.pk}/revoke")

    assert ApiToken.authenticate(secret) is None


def test_the_schema_and_the_docs_are_served_from_the_studio_itself(client, db):
    schema = client.get("/xai/openapi.json").json()
    docs = client.get("/xai/docs").text

    assert schema["openapi"].startswith("3.") and "/xai/images" in schema["paths"]
    assert "/static/ninja/swagger-ui" in docs and "cdn" not in docs.lower()


@pytest.mark.django_db(transaction=True)  # the poller starts generations on its own threads
def test_a_video_task_runs_through_the_pipeline_and_downloads(api, owner, xai):

    created = post(api, "/xai/videos", {"prompt": "Waves at night", "duration": 1, "resolution": "480p"})

    assert created.status_code == 200, created.content
    task_id = created.json()["taskId"]
    generation = Generation.objects.get(pk=int(task_id))
    assert generation.kind == "video" and generation.params["resolution"] == "480p"
    drive(generation)  # what the workers and the video poller do
    done = api.get(f"/xai/tasks/{task_id}").json()
    assert done["status"] == "completed", done
    (result,) = done["results"]
    assert result["contentType"] == "video/mp4" and result["durationS"] > 0
    downloaded = api.get(result["url"].removeprefix("http://testserver"))
    clip = b"".join(downloaded.streaming_content)
    assert downloaded["Content-Type"] == "video/mp4" and clip[4:8] == b"ftyp"
    assert len(clip) == result["sizeBytes"]
    assert Client().get(result["url"].removeprefix("http://testserver")).status_code == 401


def test_video_input_mistakes_are_422(api):
    for body, field in [
        ({"prompt": "x", "resolution": "4K"}, "resolution"),
        ({"prompt": "x", "mode": "extend"}, "videoAssetId"),
        ({"prompt": "x", "mode": "image"}, "images"),
    ]:
        response = post(api, "/xai/videos", body)
        assert response.status_code == 422, (body, response.content)
        assert field in {e["field"] for e in response.json()["errors"]}, response.json()
    assert not Generation.objects.exists()


def test_tasks_are_listed_newest_first_with_a_cursor_and_filters(api, owner, stranger):
    mine = [
        Generation.objects.create(user=owner, prompt=f"p{i}", model="grok-imagine-image") for i in range(5)
    ]
    Generation.objects.create(user=stranger, prompt="theirs", model="grok-imagine-image")
    Generation.objects.filter(pk=mine[0].pk).update(status="completed")

    first = api.get("/xai/tasks?limit=3").json()
    second = api.get(f"/xai/tasks?limit=3&cursor={first['nextCursor']}").json()

    ids = [t["taskId"] for t in first["tasks"] + second["tasks"]]
    assert ids == [str(g.pk) for g in reversed(mine)] and second["nextCursor"] is None
    assert [t["taskId"] for t in api.get("/xai/tasks?status=completed").json()["tasks"]] == [str(mine[0].pk)]
    assert api.get("/xai/tasks?status=banana").status_code == 422
    assert api.get("/xai/tasks?cursor=garbage").status_code == 422


def test_cancel_stops_a_pending_task_and_refuses_a_finished_one(api, owner):
    waiting = Generation.objects.create(user=owner, prompt="w", model="grok-imagine-image")
    finished = Generation.objects.create(
        user=owner, prompt="f", model="grok-imagine-image", status="completed"
    )

    cancelled = api.post(f"/xai/tasks/{waiting.pk}/cancel")
    refused = api.post(f"/xai/tasks/{finished.pk}/cancel")

    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert refused.status_code == 409 and refused.json()["code"] == "not_cancellable"


@pytest.mark.django_db(transaction=True)
def test_an_idempotent_retry_returns_the_first_task_and_sends_nothing_new(api, owner, xai):
    body = {"prompt": "Once only", "aspectRatio": "1:1"}
    headers = {"Idempotency-Key": "batch-7-item-3"}

    first = api.post("/xai/images", body, content_type="application/json", headers=headers)
    drive(Generation.objects.get(pk=int(first.json()["taskId"])))
    again = api.post("/xai/images", body, content_type="application/json", headers=headers)

    assert first.status_code == again.status_code == 200
    assert again.json()["taskId"] == first.json()["taskId"] and again.json()["status"] == "completed"
    assert Generation.objects.count() == 1 and len(xai.calls("GenerateImage")) == 1


def test_the_same_key_with_another_body_is_a_409(api):
    headers = {"Idempotency-Key": "k1"}
    api.post("/xai/images", {"prompt": "one"}, content_type="application/json", headers=headers)

    response = api.post("/xai/images", {"prompt": "two"}, content_type="application/json", headers=headers)

    assert response.status_code == 409 and response.json()["code"] == "idempotency_conflict"
    assert Generation.objects.count() == 1


V15 = "grok-imagine-video-1.5"


@pytest.mark.parametrize(
    ("first", "again"),
    [
        ({"note": "draft"}, {"note": "final", "tries": 2}),
        ({"keyframes": [{"image": "KEYFRAME", "timeS": 2}]},
         {"keyframes": [{"image": "KEYFRAME", "timeS": 2, "label": "dawn"}]}),
        ({"keyframes": [{"image": "KEYFRAME", "timeS": 2, "label": "dawn"}]},
         {"keyframes": [{"image": "KEYFRAME", "timeS": 2, "label": "dusk", "order": 1}]}),
        ({"keyframes": [{"image": "KEYFRAME", "timeS": 2}]},
         {"keyframes": [{"image": "KEYFRAME", "timeS": 2.0}]}),
    ],
    ids=["top level", "in a keyframe", "changed in a keyframe", "the same time written otherwise"],
)  # fmt: skip
def test_a_retry_that_differs_only_in_what_the_api_ignores_answers_the_first_task(owner, api, first, again):
    picture = make_generation(owner).outputs.get()
    headers = {"Idempotency-Key": "with-notes"}

    def body(changes: dict) -> dict:
        keyframes = [{**k, "image": str(picture.pk)} for k in changes.get("keyframes", [])]
        return {"prompt": "A fox at dawn", "model": V15, **changes, "keyframes": keyframes}

    one = api.post("/xai/videos", body(first), content_type="application/json", headers=headers)
    two = api.post("/xai/videos", body(again), content_type="application/json", headers=headers)

    assert one.status_code == two.status_code == 200, (one.content, two.content)
    assert two.json()["taskId"] == one.json()["taskId"]
    assert Generation.objects.filter(kind="video").count() == 1


def test_a_retry_with_another_keyframe_is_still_a_409(owner, api):
    picture = make_generation(owner).outputs.get()
    headers = {"Idempotency-Key": "two-times"}
    body = {"prompt": "A fox at dawn", "model": V15, "keyframes": [{"image": str(picture.pk), "timeS": 2}]}

    api.post("/xai/videos", body, content_type="application/json", headers=headers)
    body["keyframes"][0]["timeS"] = 3
    response = api.post("/xai/videos", body, content_type="application/json", headers=headers)

    assert response.status_code == 409 and response.json()["code"] == "idempotency_conflict"
    assert Generation.objects.filter(kind="video").count() == 1


def test_a_retry_naming_a_preset_answers_the_first_task(owner, api):
    options = {"model": "grok-imagine-image", "aspect_ratio": "16:9", "n": 2}
    Preset.objects.create(user=owner, name="Wide", kind="image", prompt_prefix="A photo of", options=options)
    headers = {"Idempotency-Key": "with-a-preset"}
    body = {"prompt": "a heron", "preset": "Wide"}

    one = api.post("/xai/images", body, content_type="application/json", headers=headers)
    two = api.post("/xai/images", body, content_type="application/json", headers=headers)

    assert one.status_code == two.status_code == 200, (one.content, two.content)
    assert two.json()["taskId"] == one.json()["taskId"] and Generation.objects.count() == 1


def test_keys_belong_to_their_person(api, stranger):
    other = Client(headers={"Authorization": f"Bearer {ApiToken.issue(stranger, 's')[1]}"})
    headers = {"Idempotency-Key": "shared-name"}

    mine = api.post("/xai/images", {"prompt": "mine"}, content_type="application/json", headers=headers)
    theirs = other.post("/xai/images", {"prompt": "theirs"}, content_type="application/json", headers=headers)

    assert mine.status_code == theirs.status_code == 200
    assert mine.json()["taskId"] != theirs.json()["taskId"]


def test_a_token_over_its_rate_gets_429_with_retry_after(api, settings):
    settings.STUDIO_API_RATE = "3/m"
    from django.core.cache import cache

    cache.clear()
    answers = [api.get("/xai/tasks").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    response = api.get("/xai/tasks")
    assert response.json()["code"] == "rate_limited" and 1 <= int(response["Retry-After"]) <= 60


def test_too_many_pending_tasks_are_refused_with_429(api, owner, settings):
    settings.STUDIO_API_MAX_PENDING = 2
    for i in range(2):
        Generation.objects.create(user=owner, prompt=f"waiting {i}", model="grok-imagine-image")

    response = post(api, "/xai/images", {"prompt": "one more"})

    assert response.status_code == 429 and response.json()["code"] == "too_many_pending"
    assert Generation.objects.count() == 2
