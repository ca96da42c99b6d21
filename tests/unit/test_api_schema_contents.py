"""The published schema names what a person reads in a generated client and on /xai/docs: operation
ids and tags chosen by hand, a description and an example for every operation and shape, the
catalog's own limits, and an example per refusal that fits its status."""

from __future__ import annotations

import re

import pytest

from grokstudio.studio import catalog

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("post", "/xai/images"): ("createImageTask", ["images"]),
    ("post", "/xai/videos"): ("createVideoTask", ["videos"]),
    ("get", "/xai/tasks/{task_id}"): ("getTask", ["tasks"]),
    ("get", "/xai/tasks"): ("listTasks", ["tasks"]),
    ("post", "/xai/tasks/{task_id}/cancel"): ("cancelTask", ["tasks"]),
    ("get", "/xai/files/{asset_id}"): ("downloadResult", ["files"]),
}
CODE_BY_STATUS = {"400": "bad_request", "401": "unauthorized", "404": "not_found", "409": "not_cancellable",
                  "413": "body_too_large", "415": "unsupported_media_type", "429": "rate_limited",
                  "503": "storage_unavailable"}  # fmt: skip


@pytest.fixture
def schema(client):
    return client.get("/xai/openapi.json").json()


def operations(schema):
    return {(method, path): op for path, ops in schema["paths"].items() for method, op in ops.items()}


def test_it_names_the_six_operations_and_tags_them_by_resource(schema):
    found = {key: (op["operationId"], op["tags"]) for key, op in operations(schema).items()}

    assert found == OPERATIONS


def test_it_describes_every_operation_and_gives_it_an_example(schema):
    components = schema["components"]["schemas"]

    def has_example(content) -> bool:
        media = next(iter(content.values()))
        ref = media.get("schema", {}).get("$ref", "")
        return "example" in media or "examples" in components.get(ref.rpartition("/")[2], {})

    for key, op in operations(schema).items():
        assert op.get("description") and op.get("summary"), key
        assert all(parameter.get("description") for parameter in op.get("parameters", [])), key
        if "requestBody" in op:
            assert has_example(op["requestBody"]["content"]), key
        answered = [r for r in op["responses"].values() if "content" in r]
        assert answered and all(has_example(r["content"]) for r in answered if "json" in str(r)), key


def test_every_shape_and_field_is_described_with_an_example(schema):
    for name, shape in schema["components"]["schemas"].items():
        assert shape.get("description") and shape.get("examples"), name
        for field, spec in shape.get("properties", {}).items():
            assert spec.get("description"), f"{name}.{field}"


def test_the_prompt_limits_are_the_catalogs(schema):
    for name in ("ImageTaskIn", "VideoTaskIn"):
        prompt = schema["components"]["schemas"][name]["properties"]["prompt"]
        assert (prompt["minLength"], prompt["maxLength"]) == (
            catalog.PROMPT_MIN_CHARS,
            catalog.PROMPT_MAX_CHARS,
        )


def test_each_refusals_example_fits_its_status(schema):
    for key, op in operations(schema).items():
        for status, response in op["responses"].items():
            if status in CODE_BY_STATUS:
                example = response["content"]["application/json"]["example"]
                assert example["code"] == CODE_BY_STATUS[status], (key, status)


def test_every_503_documents_when_to_try_again(schema):
    unavailable = [
        (key, op["responses"]["503"]) for key, op in operations(schema).items() if "503" in op["responses"]
    ]

    assert {key for key, _ in unavailable} >= {("post", "/xai/images"), ("post", "/xai/videos")}
    for key, response in unavailable:
        assert response["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 1}, key


def test_a_download_the_storage_cannot_read_documents_when_to_ask_again(schema):
    from grokstudio.studio.web.downloads import Unreadable

    unreadable = operations(schema)[("get", "/xai/files/{asset_id}")]["responses"]["503"]

    assert unreadable["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 1}
    assert unreadable["content"]["application/json"]["example"]["message"] == Unreadable.message


def descriptions(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                yield value
            else:
                yield from descriptions(value)
    elif isinstance(node, list):
        for item in node:
            yield from descriptions(item)


def test_angle_brackets_in_descriptions_are_code_so_markdown_keeps_them(schema):
    """Swagger UI reads descriptions as Markdown, where `Bearer <token>` outside backticks is a tag."""
    for text in descriptions(schema):
        assert not re.search(r"<[A-Za-z/!]", re.sub(r"`[^`]*`", "", text)), text


def test_the_docs_show_operation_ids(client):
    docs = client.get("/xai/docs").text

    assert '"displayOperationId": true' in docs


def test_a_missing_file_is_a_file_not_found_not_a_task(client, owner):
    from grokstudio.api.models import ApiToken

    secret = ApiToken.issue(owner, "script")[1]
    answer = client.get("/xai/files/999999", headers={"Authorization": f"Bearer {secret}"})

    assert answer.status_code == 404 and answer.json()["code"] == "not_found"
    assert "file" in answer.json()["message"]


def test_the_limits_the_studio_enforces_are_published(schema, settings):
    from grokstudio.api.outbound import MAX_URL_LENGTH
    from grokstudio.studio.models import Preset

    image = schema["components"]["schemas"]["ImageTaskIn"]["properties"]
    data_uri, _, url, _ = image["images"]["items"]["anyOf"]
    upload = settings.STUDIO_MAX_UPLOAD_MB * 1024 * 1024
    page = next(p for p in schema["paths"]["/xai/tasks"]["get"]["parameters"] if p["name"] == "limit")

    assert url["maxLength"] == MAX_URL_LENGTH == image["callBackUrl"]["anyOf"][0]["maxLength"]
    assert len("data:image/;base64,") + 4 * upload // 3 < data_uri["maxLength"] < 4 * upload // 3 + 200
    assert image["preset"]["anyOf"][0]["maxLength"] == Preset._meta.get_field("name").max_length
    assert (page["schema"]["minimum"], page["schema"]["maximum"]) == (1, 100)
