"""schemathesis runs the published OpenAPI schema against a live studio, as `st run --checks all` does.

Every phase `st run` runs (examples, coverage, fuzzing, stateful), every check, derandomized: requests
the schema calls valid must be accepted and those it calls invalid refused; no 5xx, only documented
statuses and headers, answers that keep to the schema.

One narrow exclusion, by rule, never by field: positive_data_acceptance excuses a 422 only when every
problem in it carries one of these codes (`errors[].code`), rules the schema cannot state because
they depend on the studio's data or on another field of the request (the rules of the second kind are
stated in the field's description). Each has its own test:

- unknown_preset: the preset name is not one of the person's (data). test_task_api_input.py
  test_an_unknown_preset_is_refused_by_code.
- not_in_gallery: a gallery id that is not the person's (data). test_task_api.py
  test_another_users_gallery_image_is_refused_and_nothing_is_stored, test_task_api_input.py
  test_a_clip_id_not_in_the_gallery_is_refused_by_code.
- bad_cursor: a cursor that matches the published pattern but names no instant (30 February).
  test_task_api_input.py test_a_cursor_that_names_no_instant_is_refused_by_code.
- invalid_image: a data: URI whose bytes are not a PNG, JPEG or WebP (bytes).
  test_task_api_input.py test_a_data_uri_that_is_not_an_image_is_refused_by_code.
- url_not_allowed, callback_not_allowed: a URL whose host the administrator does not allow
  (settings). test_task_api_outbound.py; test_task_api_input.py
  test_a_url_off_the_allow_list_is_refused_by_code.
- not_offered, reference_duration, reference_resolution, no_quality, no_keyframes, keyframe_outside,
  keyframes_too_close, no_voices, voices_without_audio, not_for_mode, one_image, required: one
  field's limit set by another (the model, the mode, the duration, audio, the other keyframes).
  test_task_api.py test_video_input_mistakes_are_422, test_imagine_controls.py,
  test_task_api_input.py test_a_rule_across_fields_is_refused_by_code.

Per-model limits that equal the schema's own today (durations, counts of images, references,
keyframes and voices) are not excused: should a model narrow one, this test says so.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from grokstudio.api.models import ApiToken
from tests.factories import make_generation

pytestmark = pytest.mark.django_db(transaction=True)

HERE = Path(__file__).parent
EXCUSED = (
    "unknown_preset", "not_in_gallery", "bad_cursor", "invalid_image", "url_not_allowed",
    "callback_not_allowed", "not_offered", "reference_duration", "reference_resolution", "no_quality",
    "no_keyframes", "keyframe_outside", "keyframes_too_close", "no_voices", "voices_without_audio",
    "not_for_mode", "one_image", "required",
)  # fmt: skip
# Per operation and phase: bounded, so the run stays within a minute on a shared machine.
EXAMPLES = 30


def st_run(url: str, secret: str, cwd: Path, *options: str, config: str = "") -> subprocess.CompletedProcess:
    """`st run` against the live studio, as a person runs it, with the token as the auth header."""
    st = Path(sys.executable).parent / "st"
    (cwd / "schemathesis.toml").write_text(config)  # st reads it from the folder it runs in
    return subprocess.run(
        [str(st), "--no-color", "run", url, "-H", f"Authorization: Bearer {secret}", "--checks", "all",
         "--workers", "1", "--generation-deterministic",
         "--max-examples", str(EXAMPLES), "--phases", "examples,coverage,fuzzing,stateful", *options],
        cwd=cwd, capture_output=True, text=True, timeout=600,
        env={**os.environ, "SCHEMATHESIS_HOOKS": str(HERE / "schemathesis_hooks.py"),
             "STUDIO_EXCUSED_CODES": ",".join(EXCUSED)},
    )  # fmt: skip


@pytest.fixture
def live_api(live_server, owner, settings):
    settings.STUDIO_API_RATE = "100000/m"  # schemathesis is a runaway script by design
    settings.STUDIO_API_MAX_PENDING = 100000  # and no worker runs here: every task stays pending
    return f"{live_server.url}/xai/openapi.json", ApiToken.issue(owner, "schemathesis")[1]


def test_every_operation_keeps_to_the_published_schema(live_api, tmp_path):
    # positive_data_acceptance runs as the hooks' positive_data_accepted_unless_excused.
    done = st_run(*live_api, tmp_path, "--exclude-checks", "positive_data_acceptance")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "6 selected / 6 total" in output, output


def test_a_result_file_keeps_to_the_schema_whole_and_in_ranges(live_api, owner, tmp_path):
    """No operation of the run makes a result (no worker runs): one made here is downloaded."""
    result = make_generation(owner).outputs.get()
    config = f'[[operations]]\ninclude-operation-id = "downloadResult"\nparameters.asset_id = {result.pk}\n'

    done = st_run(*live_api, tmp_path, "--include-operation-id", "downloadResult",
                  "--exclude-checks", "positive_data_acceptance", config=config)  # fmt: skip

    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "1 selected / 6 total" in output and "Missing test data" not in output, output


def test_every_excused_code_is_explained_above():
    documented = set(re.findall(r"\b[a-z]+(?:_[a-z]+)*\b", __doc__.split("Each has its own test:")[1]))

    assert set(EXCUSED) <= documented
