"""The published text patterns mean, to a schema validator, what validation.py does to a prompt."""

from __future__ import annotations

import jsonschema_rs
import pytest
from django.core.exceptions import ValidationError

from grokstudio.api.schemas import CLEAN_TEXT, PROMPT_PATTERN
from grokstudio.studio import validation


def _accepted_by_the_studio(prompt: str) -> bool:
    try:
        validation.check_text(prompt.strip())
        validation._readable(prompt.strip())
    except ValidationError:
        return False
    return bool(prompt.strip())


PROMPTS = ["a", " a ", "\u3000x", "\ufeff", "ab\n", " ", "\x1f", "\x85", "\u2029", "", "a\x00", "a\ufffdb"]


@pytest.mark.parametrize("prompt", PROMPTS)
def test_the_prompt_pattern_agrees_with_the_studio(prompt):
    # A pattern a validator cannot compile (a lone surrogate in it) is one generators ignore.
    schema = jsonschema_rs.validator_for({"type": "string", "pattern": PROMPT_PATTERN})

    assert schema.is_valid(prompt) == _accepted_by_the_studio(prompt)


def test_unknown_fields_pattern_refuses_nul():
    schema = jsonschema_rs.validator_for({"type": "string", "pattern": CLEAN_TEXT})

    assert schema.is_valid("any text") and not schema.is_valid("a\x00b")
