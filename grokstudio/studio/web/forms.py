"""The create forms: their fields parse a post, studio.validation checks it against the model table."""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import cached_property

from grokstudio.studio import catalog, selectors, validation
from grokstudio.studio.media.images import CheckedImage
from grokstudio.studio.models import Asset, Preset, ShareLink
from grokstudio.studio.validation import plausible_id
from grokstudio.studio.web.lengths import LimitedCharField


class MultipleImageInput(forms.FileInput):
    allow_multiple_selected = True


class UploadField(forms.FileField):
    """What was uploaded, passed on unread: studio.validation checks it with the rest of the
    request, so a file the chosen mode does not use is never decoded."""

    widget = forms.FileInput

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        return [f for f in data if f] if isinstance(data, list | tuple) else data or None


class TakesSelect(forms.Select):
    """A select whose options say which of the form's optional controls each choice takes
    (`data-takes`, from the model table): studio.css shows a control where the chosen model and
    mode both take it, so a model added to the table needs no change there."""

    def __init__(self, takes: dict[str, tuple[str, ...]], attrs=None) -> None:
        super().__init__(attrs)
        self.takes = takes

    def create_option(self, name, value, *args, **kwargs) -> dict:
        option = super().create_option(name, value, *args, **kwargs)
        if takes := self.takes.get(str(value)):
            option["attrs"] = {"data-takes": " ".join(takes), **option["attrs"]}
        return option


def _models_select(models: dict[str, catalog.ImageModel] | dict[str, catalog.VideoModel]) -> TakesSelect:
    return TakesSelect({m.name: m.takes for m in models.values()})


def _modes_select() -> TakesSelect:
    """The video modes, each with the controls it uses that only some models take."""
    optional = {name for m in catalog.VIDEO_MODELS.values() for name in m.takes}
    uses = {name: modes for name, modes in validation.VIDEO_INPUTS.items() if name in optional}
    return TakesSelect(
        {
            mode: tuple(name for name, modes in uses.items() if mode in modes)
            for mode, _ in catalog.VideoMode.CHOICES
        }
    )


class CreateForm(forms.Form):
    """A create form; `check` is the request's check, shared with the task API."""

    kind = "image"
    # The preset applied (by id): its prefix and suffix wrap the prompt when sent.
    preset = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    @cached_property
    def available_presets(self) -> list[Preset]:
        return [] if self.user is None else list(selectors.presets(self.user, self.kind))

    @cached_property
    def applied_preset(self) -> Preset | None:
        value = self["preset"].value()
        if value in (None, "") or not plausible_id(value):
            return None
        return next((p for p in self.available_presets if p.pk == int(value)), None)

    def clean(self) -> dict:
        preset = self.applied_preset
        if preset is not None and self.cleaned_data.get("prompt"):
            self.cleaned_data["prompt"] = preset.wrap(self.cleaned_data["prompt"])
        try:
            return self.check(self.user, self.cleaned_data)
        except ValidationError as exc:
            self.add_error(None, exc)
            return self.cleaned_data


def _values(data, name: str) -> list[str]:
    """Every value sent for `name`, from a QueryDict or a plain dict."""
    values = data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])
    return [str(v) for v in (values if isinstance(values, list | tuple) else [values])]


def _prompt_field(placeholder: str) -> forms.CharField:
    return LimitedCharField(
        max_length=catalog.PROMPT_MAX_CHARS,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": placeholder}),
        error_messages={"required": "Write a prompt first."},
    )


def _whole_number(allowed: range, **kwargs) -> forms.IntegerField:
    """A whole number whose range the shared check enforces (code `out_of_range`, the task
    API's sentence); the browser is told the range too."""
    attrs = {"min": allowed[0], "max": allowed[-1]}
    return forms.IntegerField(widget=forms.NumberInput(attrs=attrs), **kwargs)


def _choices(values) -> list[tuple[str, str]]:
    return [(v, v) for v in values]


def _reference_images(**kwargs) -> UploadField:
    accept = ",".join(catalog.REFERENCE_FORMATS.values())
    return UploadField(
        label="Reference images", widget=MultipleImageInput(attrs={"accept": accept}), **kwargs
    )


class ImageGenerationForm(CreateForm):
    check = staticmethod(validation.check_image_request)

    prompt = _prompt_field("Describe the image you want…")
    model = forms.ChoiceField(
        choices=[(m.name, m.label) for m in catalog.IMAGE_MODELS.values()],
        initial=catalog.DEFAULT_IMAGE_MODEL,
        widget=_models_select(catalog.IMAGE_MODELS),
    )
    aspect_ratio = forms.ChoiceField(
        label="Aspect ratio",
        choices=[("", "Auto"), *_choices(catalog.IMAGE_ASPECT_RATIOS)],
        initial=catalog.DEFAULT_IMAGE_ASPECT_RATIO,
        required=False,
        help_text="Auto keeps a reference image's shape (square without one).",
    )
    resolution = forms.ChoiceField(
        choices=[("1k", "1k (about 1 MP)"), ("2k", "2k (about 4 MP)")],
        initial=catalog.DEFAULT_IMAGE_RESOLUTION,
    )
    n = _whole_number(validation.IMAGE_FIELDS["n"], label="Number of images", initial=1)
    quality = forms.ChoiceField(
        choices=[("", "Default"), *catalog.IMAGE_QUALITIES.items()],
        required=False,
        help_text=f"{' and '.join(m.label for m in catalog.IMAGE_MODELS.values() if m.qualities)} only.",
    )
    references = _reference_images(
        help_text="One image to edit it, several to combine them. PNG, JPEG or WebP."
    )
    # Images from the user's own gallery ("Use as reference"), by id.
    reference_assets = forms.Field(required=False, widget=forms.MultipleHiddenInput)


# A keyframe row: its number, upload, gallery picture's id, that picture, and time.
KeyframeRow = tuple[int, forms.BoundField, forms.BoundField, Asset | None, forms.BoundField]


class VideoGenerationForm(CreateForm):
    """Every video mode in one form; inputs that the chosen mode does not use are ignored."""

    kind = "video"
    check = staticmethod(validation.check_video_request)

    mode = forms.ChoiceField(
        choices=catalog.VideoMode.CHOICES, initial=catalog.VideoMode.TEXT, widget=_modes_select()
    )
    prompt = _prompt_field("Describe the video you want…")
    model = forms.ChoiceField(
        choices=[(m.name, m.label) for m in catalog.VIDEO_MODELS.values()],
        initial=catalog.DEFAULT_VIDEO_MODEL,
        widget=_models_select(catalog.VIDEO_MODELS),
    )
    duration = _whole_number(
        validation.VIDEO_FIELDS["duration"],
        label="Duration (seconds)",
        initial=catalog.DEFAULT_VIDEO_DURATION,
    )
    aspect_ratio = forms.ChoiceField(
        label="Aspect ratio",
        choices=_choices(validation.VIDEO_FIELDS["aspect_ratio"]),
        initial=catalog.DEFAULT_VIDEO_ASPECT_RATIO,
        help_text="A starting image or a source clip sets the shape instead.",
    )
    resolution = forms.ChoiceField(
        choices=_choices(validation.VIDEO_FIELDS["resolution"]), initial=catalog.DEFAULT_VIDEO_RESOLUTION
    )
    audio = forms.BooleanField(label="Audio", required=False, initial=True)
    image = UploadField(label="Starting image", help_text="The video starts from this picture.")
    image_asset = forms.IntegerField(required=False, widget=forms.HiddenInput)
    last_frame = UploadField(
        label="Last frame",
        help_text=f"{catalog.video_models_taking('last_frame')} only: the clip ends on it.",
    )
    references = _reference_images(help_text="Characters or styles to keep, up to 7.")
    # Reference images from the user's own gallery, by id (dragged from a card).
    reference_assets = forms.Field(required=False, widget=forms.MultipleHiddenInput)
    video = UploadField(
        label="Source clip",
        help_text="MP4 (H.264, H.265 or AV1).",
        widget=forms.FileInput(attrs={"accept": "video/mp4"}),
    )
    video_asset = forms.IntegerField(required=False, widget=forms.HiddenInput)
    voices = forms.MultipleChoiceField(
        label="Voices",
        choices=list(catalog.VOICES.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=f"{catalog.video_models_taking('voices')}: up to {catalog.max_voices()} of xAI's preset "
        "voices speak in the clip.",
    )
    # The keyframe rows (keyframe_<n>_image, _asset, _time) are gathered here as the shared
    # check takes them; their refusals are shown here too.
    keyframes = forms.Field(
        required=False,
        widget=forms.HiddenInput,
        help_text=f"{catalog.video_models_taking('keyframes')}: up to {catalog.max_keyframes()} pictures the "
        "clip passes through, each at a time inside it, at least 1/3 s apart. Upload one, or drop a picture "
        "from your gallery on a row.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # composer.js offers only what the chosen model makes in the chosen mode (1080p on some).
        offered = {m.name: catalog.resolutions_by_mode(m) for m in catalog.VIDEO_MODELS.values()}
        self.fields["resolution"].widget.attrs["data-offered"] = json.dumps(offered)
        accept = ",".join(catalog.REFERENCE_FORMATS.values())
        longest = catalog.video_duration_bounds()[1]
        for n in range(1, catalog.max_keyframes() + 1):
            self.fields[f"keyframe_{n}_image"] = UploadField(
                label=f"Keyframe {n} image", widget=forms.FileInput(attrs={"accept": accept})
            )
            # A picture of the person's gallery instead, by id (dropped on the row).
            self.fields[f"keyframe_{n}_asset"] = forms.IntegerField(required=False, widget=forms.HiddenInput)
            attrs = {"step": "any", "min": 0, "max": longest, "inputmode": "decimal"}
            self.fields[f"keyframe_{n}_time"] = forms.FloatField(
                label=f"Keyframe {n} time (seconds)", required=False, widget=forms.NumberInput(attrs=attrs)
            )

    @property
    def keyframes_have_errors(self) -> bool:
        return any(self.errors.get(name) for name in self.fields if name.startswith("keyframe"))

    @property
    def more_has_errors(self) -> bool:
        """Whether "More options" holds a refusal, and so opens by itself."""
        others = ("audio", "last_frame", "voices")
        return self.keyframes_have_errors or any(self.errors.get(name) for name in others)

    @cached_property
    def keyframe_rows(self) -> list[KeyframeRow]:
        """Each row: its number, its upload, its gallery picture's id and that picture (the
        person's own only, for its thumbnail), and its time."""
        rows = range(1, catalog.max_keyframes() + 1)
        held = {f"keyframe_{n}_asset": self[f"keyframe_{n}_asset"].value() for n in rows}
        pictures = selectors.preset_assets(self.user, held) if self.user is not None else {}
        return [
            (n, self[f"keyframe_{n}_image"], self[f"keyframe_{n}_asset"], pictures.get(f"keyframe_{n}_asset"),
             self[f"keyframe_{n}_time"])
            for n in rows
        ]  # fmt: skip

    def clean(self) -> dict:
        rows = range(1, catalog.max_keyframes() + 1)
        self.cleaned_data["keyframes"] = [
            {name: self.cleaned_data.get(f"keyframe_{n}_{part}") for name, part in
             (("image", "image"), ("image_asset", "asset"), ("time_s", "time"))}
            for n in rows
        ]  # fmt: skip
        return super().clean()


SORTS = [("", "Newest first"), ("oldest", "Oldest first")]


class GalleryFilterForm(forms.Form):
    """What the gallery shows. Everything lives in the URL, so a view can be bookmarked;
    a value that makes no sense is reported beside its field and left out."""

    q = LimitedCharField(
        label="Search the gallery", required=False, max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search prompts…"}),
    )  # fmt: skip
    kind = forms.ChoiceField(label="Kind", required=False, choices=[("", "Images and videos"),
                             ("image", "Images"), ("video", "Videos")])  # fmt: skip
    status = forms.ChoiceField(
        label="Status", required=False,
        choices=[("", "Any status"), ("active", "In progress"), ("completed", "Completed"),
                 ("failed", "Failed"), ("cancelled", "Cancelled"), ("timeout", "Timed out")],
    )  # fmt: skip
    model = forms.ChoiceField(
        label="Model", required=False,
        choices=[("", "Any model"), *[(m.name, m.label) for m in catalog.IMAGE_MODELS.values()],
                 *[(m.name, m.label) for m in catalog.VIDEO_MODELS.values()]],
    )  # fmt: skip
    fav = forms.BooleanField(
        label="Favourites only", required=False, widget=forms.CheckboxInput(attrs={"value": "1"})
    )
    collection = forms.TypedChoiceField(label="Collection", required=False, coerce=int, empty_value=None)
    sort = forms.ChoiceField(label="Order", required=False, choices=SORTS)
    cursor = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, collections=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.collections = list(collections)
        self.fields["collection"].choices = [("", "All items"), *[(c.pk, c.name) for c in self.collections]]
        self.fields["collection"].error_messages["invalid_choice"] = "That collection does not exist."


class CollectionForm(forms.Form):
    name = LimitedCharField(
        label="Name", max_length=80, strip=True, error_messages={"required": "Give the collection a name."}
    )


BULK_ACTIONS = [
    ("zip", "Download as ZIP"),
    ("add", "Add to collection"),
    ("remove", "Remove from collection"),
    ("favorite", "Add to favourites"),
    ("unfavorite", "Remove from favourites"),
    ("delete", "Delete"),
]
BULK_MAX_ITEMS = 1000


class BulkForm(forms.Form):
    """An action on the generations ticked in the gallery."""

    action = forms.ChoiceField(choices=BULK_ACTIONS, error_messages={"required": "Choose what to do."})
    ids = forms.TypedMultipleChoiceField(
        coerce=int, error_messages={"required": "Select at least one item first."}
    )
    collection = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)

    def __init__(self, *args, collections=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Any number is a choice here: ids that are not the user's are left out by the service.
        values = _values(self.data, "ids") if self.is_bound else []
        self.fields["ids"].choices = [(v, v) for v in values if plausible_id(v)]
        self.fields["ids"].error_messages["invalid_choice"] = "Those items are not in your gallery."
        self.fields["collection"].choices = [("", "—"), *[(c.pk, c.name) for c in collections]]
        self.collections = {c.pk: c for c in collections}

    def clean_ids(self) -> list[int]:
        ids = list(dict.fromkeys(self.cleaned_data["ids"]))
        if len(ids) > BULK_MAX_ITEMS:
            raise forms.ValidationError(f"Select at most {BULK_MAX_ITEMS} items at a time.")
        return ids

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") in ("add", "remove") and not data.get("collection"):
            self.add_error("collection", "Choose a collection.")
        if data.get("collection"):
            data["collection"] = self.collections[data["collection"]]
        return data


class ImproveForm(forms.Form):
    """What "Improve" sends from the create form: the prompt and what it is meant for.
    Gallery images attached to the form go by id and are looked up as the user's own."""

    prompt = LimitedCharField(
        max_length=catalog.PROMPT_MAX_CHARS, strip=True,
        error_messages={"required": "Write a prompt first, then ask Grok to improve it."},
    )  # fmt: skip
    kind = forms.ChoiceField(choices=[("image", "Image"), ("video", "Video")], required=False)
    model = forms.ChoiceField(
        choices=[(m, m) for m in (*catalog.IMAGE_MODELS, *catalog.VIDEO_MODELS)], required=False
    )
    mode = forms.ChoiceField(choices=[("", ""), *catalog.VideoMode.CHOICES], required=False)


class ChosenSuggestionForm(forms.Form):
    """A prompt help suggestion chosen where no Prompt box is on the page, as the person left it.
    Generate refuses a prompt over the limit, as when it is typed; this generous cap only keeps
    absurd text out of the session."""

    suggestion = LimitedCharField(max_length=10 * catalog.PROMPT_MAX_CHARS, strip=True, required=False)


class DescribeUploadForm(forms.Form):
    """A picture attached to the create form but not sent yet, for "Describe"."""

    image = UploadField()

    def clean_image(self) -> CheckedImage:
        upload = self.cleaned_data["image"]
        if not upload or isinstance(upload, list):
            raise ValidationError("Attach one picture to describe.", code="required")
        return validation.check_image_upload(upload)


class ShareForm(forms.Form):
    """How long a new share link lasts, and whether it shows the prompt."""

    expiry = forms.ChoiceField(
        label="Expires", choices=ShareLink.Expiry.choices, initial=ShareLink.Expiry.WEEK
    )
    hide_prompt = forms.BooleanField(label="Hide the prompt", required=False)


class PresetForm(forms.ModelForm):
    """A preset's name and the words that wrap prompts; `shared` only for staff."""

    name = LimitedCharField(label="Name", max_length=80, strip=True)
    prompt_prefix = LimitedCharField(label="Prefix (words before yours)", max_length=300, required=False)
    prompt_suffix = LimitedCharField(label="Suffix (words after yours)", max_length=300, required=False)

    class Meta:
        model = Preset
        fields = ["name", "prompt_prefix", "prompt_suffix", "shared"]
        labels = {
            "prompt_prefix": "Prefix (words before yours)",
            "prompt_suffix": "Suffix (words after yours)",
            "shared": "Offer to everyone",
        }
        widgets = {
            "prompt_prefix": forms.TextInput(attrs={"placeholder": "e.g. A cinematic photo of"}),
            "prompt_suffix": forms.TextInput(attrs={"placeholder": "e.g. , 35mm film, soft light"}),
        }

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.is_staff:
            del self.fields["shared"]
        for name in ("prompt_prefix", "prompt_suffix"):
            self.fields[name].validators.append(validation.check_text)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        validation.check_text(name)
        owner = self.instance.user if self.instance.pk else self.user
        taken = Preset.objects.filter(user=owner, name__iexact=name).exclude(pk=self.instance.pk)
        # Saving from the create form under a name in use updates that preset instead.
        if self.instance.pk and taken.exists():
            raise ValidationError(f"You already have a preset called “{name}”.", code="duplicate")
        return name
