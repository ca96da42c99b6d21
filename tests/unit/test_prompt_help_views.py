"""The prompt help pages: Improve and Describe create a row for the worker, the page polls it."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grokstudio.studio import budgets
from grokstudio.studio.models import Asset, PromptHelp
from tests.factories import make_generation, make_image

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
IMPROVE = "/improve/"


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text)))


def image_of(user):
    return make_generation(user).outputs.get()


def test_it_creates_a_pending_improve_and_answers_a_polling_fragment(owner_client, owner):
    response = owner_client.post(
        IMPROVE, {"prompt": "a cat", "kind": "video", "model": "grok-imagine-video", "mode": "image"},
        headers=HTMX,
    )  # fmt: skip

    assert response.status_code == 200
    help = PromptHelp.objects.get()
    assert (help.user, help.kind, help.status, help.prompt) == (owner, "improve", "pending", "a cat")
    assert help.target == {"kind": "video", "model": "grok-imagine-video", "mode": "image"}
    assert f'hx-get="/help/{help.pk}/"' in response.text
    assert 'hx-trigger="every 1s"' in response.text
    assert "Asking Grok" in text(response)


def test_it_sends_the_gallery_images_attached_to_the_form(owner_client, owner):
    first, second = image_of(owner), image_of(owner)
    owner_client.post(IMPROVE, {"prompt": "a cat", "reference_assets": [first.pk, second.pk]}, headers=HTMX)

    assert set(PromptHelp.objects.get().assets.all()) == {first, second}


def test_it_answers_404_for_another_users_image_and_stores_nothing(owner_client, stranger):
    theirs = image_of(stranger)
    response = owner_client.post(IMPROVE, {"prompt": "a cat", "image_asset": theirs.pk}, headers=HTMX)

    assert response.status_code == 404
    assert not PromptHelp.objects.exists()


def test_it_asks_for_a_prompt_first(owner_client):
    response = owner_client.post(IMPROVE, {"prompt": "  "}, headers=HTMX)

    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert "Write a prompt first" in text(response)
    assert not PromptHelp.objects.exists()


def test_it_refuses_over_budget_in_the_budgets_words(owner_client, settings):
    settings.STUDIO_MONTHLY_BUDGET_USD = 0.0
    response = owner_client.post(IMPROVE, {"prompt": "a cat"}, headers=HTMX)

    assert "This would cost about $0.01 and you have $0.00 left of your monthly budget" in text(response)
    assert not PromptHelp.objects.exists()


def test_without_htmx_it_redirects_to_the_answer_page(owner_client):
    response = owner_client.post(IMPROVE, {"prompt": "a cat"})

    help = PromptHelp.objects.get()
    assert response.status_code == 302 and response.url == f"/help/{help.pk}/"
    assert "Asking Grok" in text(owner_client.get(response.url))


def test_it_refuses_get(owner_client):
    assert owner_client.get(IMPROVE).status_code == 405


def test_the_poll_says_nothing_while_asking_then_the_answer_and_stop(owner_client, owner):
    help = PromptHelp.objects.create(user=owner, kind="improve", prompt="a cat")
    url = f"/help/{help.pk}/"

    assert owner_client.get(url, headers=HTMX).status_code == 204
    help.claim()
    help.complete(["a cat on a velvet cushion, soft light"], 1_000_000)
    response = owner_client.get(url, headers=HTMX)

    assert response.status_code == 286
    assert "a cat on a velvet cushion, soft light" in response.text
    assert "hx-trigger" not in response.text
    assert "data-use-suggestion" in response.text and "data-discard-help" in response.text


def test_a_failed_help_says_why(owner_client, owner):
    help = PromptHelp.objects.create(user=owner, kind="improve", prompt="a cat")
    help.fail("The request was blocked by xAI's content moderation. Try a different prompt.", "moderated")

    response = owner_client.get(f"/help/{help.pk}/", headers=HTMX)
    assert response.status_code == 286
    assert "content moderation" in text(response) and "moderated" in text(response)


def test_a_help_lost_by_its_worker_ends_instead_of_polling_for_ever(owner_client, owner, settings):
    settings.XAI_TIMEOUT_S = 0
    help = PromptHelp.objects.create(user=owner, kind="improve", prompt="a cat")
    help.claim()
    PromptHelp.objects.filter(pk=help.pk).update(started_at=help.started_at.replace(year=2000))

    assert owner_client.get(f"/help/{help.pk}/", headers=HTMX).status_code == 286
    assert PromptHelp.objects.get().error_code == "outcome_unknown"


def test_describe_creates_a_help_for_the_owners_picture(owner_client, owner):
    asset = image_of(owner)
    response = owner_client.post(f"/a/{asset.pk}/describe", headers=HTMX)

    help = PromptHelp.objects.get()
    assert response.status_code == 200
    assert help.kind == "describe" and list(help.assets.all()) == [asset]


def test_describe_answers_404_for_another_users_picture(owner_client, stranger):
    theirs = image_of(stranger)
    assert owner_client.post(f"/a/{theirs.pk}/describe", headers=HTMX).status_code == 404
    assert not PromptHelp.objects.exists()


def test_describe_is_offered_on_a_picture_and_not_on_a_clip(owner_client, owner):
    asset = image_of(owner)
    assert f'hx-post="/a/{asset.pk}/describe"' in owner_client.get(f"/a/{asset.pk}/").text
    clip = make_generation(owner, kind="video").outputs.get()
    assert "describe" not in owner_client.get(f"/a/{clip.pk}/").text.lower()
    response = owner_client.post(f"/a/{clip.pk}/describe", headers=HTMX)
    assert "Describe works on pictures" in text(response)


def picture(name="sketch.png", data=None):
    return SimpleUploadedFile(name, make_image() if data is None else data, content_type="image/png")


def test_describe_on_a_picture_not_sent_yet_keeps_it_as_the_persons_upload(owner_client, owner):
    response = owner_client.post("/describe/", {"image": picture()}, headers=HTMX)

    help = PromptHelp.objects.get()
    assert response.status_code == 200
    assert f'hx-get="/help/{help.pk}/"' in response.text
    (upload,) = help.assets.all()
    assert (help.kind, help.user, upload.user, upload.role) == ("describe", owner, owner, "upload")
    assert upload.original_name == "sketch.png" and upload.file.size > 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (None, "Attach one picture to describe."),
        (b"not a picture", "not an image the studio can read"),
        (b"", "“notes.png”: the file is empty."),
    ],
)
def test_describe_on_an_upload_refuses_what_is_not_a_picture_and_stores_nothing(owner_client, data, message):
    def files():
        return {} if data is None else {"image": picture("notes.png", data)}

    response = owner_client.post("/describe/", files(), headers=HTMX)

    assert response.status_code == 200  # htmx swaps the reason in
    assert message in text(response)
    assert not PromptHelp.objects.exists() and not Asset.objects.exists()
    assert owner_client.post("/describe/", files()).status_code == 400


def test_describe_on_an_upload_over_budget_stores_nothing(owner_client, owner, settings):
    settings.STUDIO_MONTHLY_BUDGET_USD = 0.001

    response = owner_client.post("/describe/", {"image": picture()}, headers=HTMX)

    assert "budget" in text(response)
    assert not PromptHelp.objects.exists() and not Asset.objects.exists()


def test_the_studio_opens_with_a_chosen_suggestion_in_the_prompt(owner_client):
    response = owner_client.get("/", {"prompt": "a fox in the snow, golden light"})
    assert ">\na fox in the snow, golden light</textarea>" in response.text


def test_prompt_help_costs_count_against_the_month(owner, settings):
    settings.STUDIO_MONTHLY_BUDGET_USD = 1.0
    done = PromptHelp.objects.create(user=owner, kind="improve", prompt="a cat")
    done.claim()
    done.complete(["x"], 2_000_000_000)  # $0.20
    PromptHelp.objects.create(user=owner, kind="describe")  # still asking: the estimate counts

    assert budgets.spent_usd(owner) == Decimal("0.21")


def test_an_absurd_gallery_id_is_ignored_rather_than_an_error(owner_client):
    response = owner_client.post("/improve/", {"prompt": "a fox", "image_asset": "9" * 5000})

    assert response.status_code < 500


# --- "Use this prompt" where no Prompt box is on the page -------------------------------------

LONG_SUGGESTION = ("A lighthouse at dusk, its beam sweeping a wine-dark sea, gulls in the spray. " * 60)[
    :4000
]


def completed_help(owner, suggestions, kind="image"):
    help = PromptHelp.objects.create(user=owner, kind="improve", prompt="a lighthouse", target={"kind": kind})
    help.claim()
    help.complete(suggestions, 1_000_000)
    return help


def test_the_page_without_a_script_posts_a_chosen_suggestion_and_keeps_it_out_of_the_address(
    owner_client, owner
):
    help = completed_help(owner, [LONG_SUGGESTION])

    page = owner_client.get(f"/help/{help.pk}/").content.decode()

    form = re.search(r'<form class="suggestion"[^>]*>', page).group(0)
    assert 'method="post"' in form and f'action="/help/{help.pk}/use"' in form
    assert re.search(r'<textarea [^>]*name="suggestion"', page)
    assert "prompt=" not in page and "lighthouse%20at%20dusk" not in page and "lighthouse+at+dusk" not in page


def test_a_chosen_suggestion_opens_the_create_form_with_it_once(owner_client, owner):
    help = completed_help(owner, [LONG_SUGGESTION, "a lighthouse in fog"])
    edited = LONG_SUGGESTION + " Wide angle."

    response = owner_client.post(f"/help/{help.pk}/use", {"suggestion": edited})

    assert response.status_code == 302 and response.url == "/"
    assert f">\n{edited}</textarea>" in owner_client.get(response.url).content.decode()
    assert "Wide angle." not in owner_client.get("/").content.decode()  # a later visit starts afresh


def test_a_suggestion_for_a_video_opens_the_video_form(owner_client, owner):
    help = completed_help(owner, ["a lighthouse, the camera circling it"], kind="video")

    response = owner_client.post(
        f"/help/{help.pk}/use", {"suggestion": "a lighthouse, the camera circling it"}
    )

    assert response.url == "/?kind=video"
    page = owner_client.get(response.url).content.decode()
    assert 'name="kind" value="video"' in page
    assert ">\na lighthouse, the camera circling it</textarea>" in page


def test_using_a_suggestion_refuses_get(owner_client, owner):
    help = completed_help(owner, ["a lighthouse in fog"])

    assert owner_client.get(f"/help/{help.pk}/use").status_code == 405


def test_an_answer_for_a_page_with_a_create_form_holds_no_form_of_its_own(owner_client, owner):
    help = completed_help(owner, ["a lighthouse in fog", "a lighthouse at dawn"])

    fragment = owner_client.get(f"/help/{help.pk}/", headers=HTMX).text

    # It lands inside the create form, where a form of its own would be dropped and its
    # buttons would send the create form.
    assert "<form" not in fragment
    assert re.findall(r'<button type="(\w+)"[^>]*data-use-suggestion', fragment) == ["button", "button"]
    assert f'data-use-url="/help/{help.pk}/use"' in fragment


def test_a_chosen_suggestion_far_past_any_prompt_is_refused_and_not_kept(owner_client, owner):
    help = completed_help(owner, ["a lighthouse in fog"])
    absurd = "a lighthouse in fog " * 2_000  # 40,000 characters

    response = owner_client.post(f"/help/{help.pk}/use", {"suggestion": absurd})

    assert response.status_code == 400
    assert "A prompt is at most 1,000 characters: shorten this suggestion, then use it." in text(response)
    assert "lighthouse in fog a lighthouse" not in owner_client.get("/").text
