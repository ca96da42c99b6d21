"""schemathesis runs the published OpenAPI schema against a live studio, with every check it has.

Requests the schema calls valid must be accepted and requests it calls invalid refused; no 5xx,
only documented statuses and headers, answers that keep to the schema. One narrow exclusion, for
what a schema cannot state: a refusal (422) whose every problem is at a field whose validity
depends on something other than its own shape (see STATE_DEPENDENT), each covered by its own test.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS
from schemathesis.specs.openapi.checks import positive_data_acceptance

from grokstudio.api.models import ApiToken

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = 15  # per operation and mode: bounded, so `make test` stays within a minute or two
# derandomize: the same cases on every run, so a failure is a change in the code, not in the dice.

# Fields whose validity the schema can only describe: what the bytes of a data: URI hold, whether a
# gallery id is yours or a preset name is known, whether a URL's host is allowed, an opaque cursor,
# and the rules that depend on another field (durations and resolutions per model and mode, images per mode,
# quality, keyframes and voices per model).
# tests/integration/test_task_api_input.py proves each refusal names its field.
STATE_DEPENDENT = ("images", "videoAssetId", "callBackUrl", "cursor", "duration", "resolution", "preset",
                   "quality", "keyframes", "voices")  # fmt: skip


def _explained(response) -> bool:
    if response.status_code != 422:
        return False
    errors = response.json().get("errors") or []
    return bool(errors) and all(e["field"].split("[")[0] in STATE_DEPENDENT for e in errors)


@schemathesis.check
def positive_data_accepted_unless_state_dependent(ctx, response, case):
    """schemathesis' positive_data_acceptance, less the refusals the schema cannot foresee."""
    if _explained(response):
        return None
    return positive_data_acceptance(ctx, response, case)


@pytest.fixture
def live_api(live_server, owner, settings):
    settings.STUDIO_API_RATE = "100000/m"  # schemathesis is a runaway script by design
    settings.STUDIO_API_MAX_PENDING = 100000  # and no worker runs here: every task stays pending
    secret = ApiToken.issue(owner, "schemathesis")[1]
    schema = schemathesis.openapi.from_url(f"{live_server.url}/xai/openapi.json")

    # The token as schemathesis' own auth, not as headers on each call: a case that drops
    # Authorization on purpose (to expect 401) must go out without it.
    @schema.auth()
    class Token:
        def get(self, case, context):
            return secret

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return schema


@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"]
)
def test_every_operation_keeps_to_the_published_schema(live_api, mode):
    schema = live_api
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 6
    checks = [check for check in CHECKS.get_all() if check is not positive_data_acceptance]
    checks.append(positive_data_accepted_unless_state_dependent)

    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis_settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def keeps_to_the_schema(case):
            case.call_and_validate(checks=checks)

        keeps_to_the_schema()
