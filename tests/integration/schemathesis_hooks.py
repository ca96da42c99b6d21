"""Loaded by `st` (SCHEMATHESIS_HOOKS) in test_api_schema.py: positive_data_acceptance, less the
refusals whose every problem's code is in STUDIO_EXCUSED_CODES (rules a schema cannot state)."""

import os

import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

EXCUSED = frozenset(os.environ.get("STUDIO_EXCUSED_CODES", "").split(","))


def _excused(response) -> bool:
    if response.status_code != 422:
        return False
    errors = (response.json() or {}).get("errors") or []
    return bool(errors) and all(error.get("code") in EXCUSED for error in errors)


@schemathesis.check
def positive_data_accepted_unless_excused(ctx, response, case):
    """Valid data is accepted, unless the studio refuses it by a rule the schema cannot state."""
    if _excused(response):
        return None
    return positive_data_acceptance(ctx, response, case)
