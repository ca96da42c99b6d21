"""schemathesis runs the published OpenAPI schema against a live studio: no 5xx, no answer that breaks it."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi import checks as openapi_checks

from grokstudio.api.models import ApiToken

# What is checked: no server error, only documented statuses, and answers that keep to the
# schema. Not "every schema-valid request is accepted": a well-formed data: URI may still hold
# no image, and the model table's cross-field rules are richer than a schema can say.
CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.content_type_conformance,
]

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = 20  # per operation: bounded, so `make test` stays quick


def test_every_operation_keeps_to_the_published_schema(live_server, owner, settings):
    settings.STUDIO_API_RATE = "100000/m"  # schemathesis is a runaway script by design
    headers = {"Authorization": f"Bearer {ApiToken.issue(owner, 'schemathesis')[1]}"}
    schema = schemathesis.openapi.from_url(f"{live_server.url}/xai/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6

    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def keeps_to_the_schema(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        keeps_to_the_schema()
