"""The create form: every option checked on the server against the model table."""

from __future__ import annotations

from django import forms
from django.conf import settings

from grokstudio.studio import budgets, catalog
from grokstudio.studio.media.clips import CheckedClip, ClipRejected, check_clip
from grokstudio.studio.media.images import CheckedImage, ImageRejected, check_reference
from grokstudio.studio.models import Asset
from grokstudio.studio.web.lengths import LimitedCharField


class MultipleImageInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Zero or more uploaded images; each is checked and cleaned in `clean`."""

    widget = MultipleImageInput

    def __init__(self, *args, max_count: int | None = None, **kwargs) -> None:
        kwargs.setdefault("required", False)
        self.max_count = max_count
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list[CheckedImage]:
        if data is forms.fields.FILE_INPUT_CONTRADICTION:
            raise forms.ValidationError("Send reference images as files only.")
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        limit = self.max_count or catalog.max_references()
        if len(files) > limit:
            raise forms.ValidationError(
                f"Attach at most {limit} reference images; you attached {len(files)}."
            )
        checked, errors = [], []
        max_bytes = settings.STUDIO_MAX_UPLOAD_MB * 1024 * 1024
        for upload in files:
            if upload.size > max_bytes:
                errors.append(f"“{upload.name}”: the file is larger than {settings.STUDIO_MAX_UPLOAD_MB} MB.")
                continue
            try:
                checked.append(check_reference(upload.read(), upload.name))
            except ImageRejected as exc:
                errors.append(str(exc))
        if errors:
            raise forms.ValidationError(errors)
        return checked


def _check_budget(form: forms.Form, kind: str, data: dict) -> None:
    """Refuse, beside the form, a request that does not fit in what the person has left this month."""
    if form.user is None or form.errors:
        return
    try:
        budgets.check(form.user, budgets.estimate_submission(kind, data))
    except budgets.OverBudget as exc:
        form.add_error(None, str(exc))


def _plausible_id(value: str) -> bool:
    """A positive integer a database id column can hold."""
    return value.isascii() and value.isdigit() and len(value) < 19


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


def _choices(values) -> list[tuple[str, str]]:
    return [(v, v) for v in values]


class ImageGenerationForm(forms.Form):
    prompt = _prompt_field("Describe the image you want…")
    model = forms.ChoiceField(
        choices=[(m.name, m.label) for m in catalog.IMAGE_MODELS.values()],
        initial=catalog.DEFAULT_IMAGE_MODEL,
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
    n = forms.IntegerField(
        label="Number of images",
        min_value=1,
        max_value=max(m.max_images for m in catalog.IMAGE_MODELS.values()),
        initial=1,
    )
    references = MultipleImageField(
        label="Reference images",
        help_text="One image to edit it, several to combine them. PNG, JPEG or WebP.",
        widget=MultipleImageInput(attrs={"accept": ",".join(catalog.REFERENCE_FORMATS.values())}),
    )
    # Images from the user's own gallery ("Use as reference"), by id.
    reference_assets = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.MultipleHiddenInput
    )

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        # Any id is a valid choice here; `clean` keeps only the user's own images.
        values = _values(self.data, self.add_prefix("reference_assets")) if self.is_bound else []
        values += [str(v) for v in self.initial.get("reference_assets", [])]
        # Only plausible ids are choices: anything else is "not in your gallery", never a database error.
        self.fields["reference_assets"].choices = [(v, v) for v in values if _plausible_id(v)]
        not_yours = "That image is not in your gallery."
        self.fields["reference_assets"].error_messages["invalid_choice"] = not_yours

    def clean_reference_assets(self) -> list[Asset]:
        ids = list(dict.fromkeys(self.cleaned_data.get("reference_assets") or []))
        if len(ids) > catalog.max_references():
            raise forms.ValidationError(f"Attach at most {catalog.max_references()} reference images.")
        found = {
            a.pk: a for a in Asset.objects.filter(pk__in=ids, user=self.user, kind="image").exclude(file="")
        }
        if len(found) != len(ids):
            raise forms.ValidationError("That image is not in your gallery.")
        return [found[pk] for pk in ids]

    def clean(self) -> dict:
        data = super().clean()
        model = catalog.IMAGE_MODELS.get(data.get("model", ""))
        if model is None:
            return data
        if self.has_error("reference_assets"):
            self.add_error(None, self.errors.pop("reference_assets"))
        if data.get("aspect_ratio") and data["aspect_ratio"] not in model.aspect_ratios:
            self.add_error("aspect_ratio", f"{model.label} does not offer {data['aspect_ratio']}.")
        if data.get("resolution") and data["resolution"] not in model.resolutions:
            self.add_error("resolution", f"{model.label} does not offer {data['resolution']}.")
        if data.get("n") and data["n"] > model.max_images:
            self.add_error("n", f"{model.label} makes at most {model.max_images} images at once.")
        count = len(data.get("references") or []) + len(data.get("reference_assets") or [])
        if count > model.max_references:
            self.add_error(
                "references", f"{model.label} takes at most {model.max_references} reference images."
            )
        _check_budget(self, "image", data)
        return data


class ImageUploadField(MultipleImageField):
    """One uploaded image, checked like a reference; None when nothing was sent."""

    widget = forms.FileInput

    def clean(self, data, initial=None) -> CheckedImage | None:
        checked = super().clean(data, initial)
        return checked[0] if checked else None


class ClipUploadField(forms.FileField):
    """One uploaded MP4, checked with PyAV; None when nothing was sent."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.FileInput(attrs={"accept": "video/mp4"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> CheckedClip | None:
        if not data or data is forms.fields.FILE_INPUT_CONTRADICTION:
            return None
        limit = settings.STUDIO_MAX_VIDEO_UPLOAD_MB
        if data.size > limit * 1024 * 1024:
            raise forms.ValidationError(f"“{data.name}”: the file is larger than {limit} MB.")
        try:
            return check_clip(data.read(), data.name)
        except ClipRejected as exc:
            raise forms.ValidationError(f"“{data.name}”: {exc}") from exc


class VideoGenerationForm(forms.Form):
    """Every video mode in one form; inputs that the chosen mode does not use are ignored."""

    mode = forms.ChoiceField(choices=catalog.VideoMode.CHOICES, initial=catalog.VideoMode.TEXT)
    prompt = _prompt_field("Describe the video you want…")
    model = forms.ChoiceField(
        choices=[(m.name, m.label) for m in catalog.VIDEO_MODELS.values()],
        initial=catalog.DEFAULT_VIDEO_MODEL,
    )
    duration = forms.IntegerField(
        label="Duration (seconds)",
        min_value=catalog.video_duration_bounds()[0],
        max_value=catalog.video_duration_bounds()[1],
        initial=catalog.DEFAULT_VIDEO_DURATION,
    )
    aspect_ratio = forms.ChoiceField(
        label="Aspect ratio",
        choices=_choices(catalog.VIDEO_ASPECT_RATIOS),
        initial=catalog.DEFAULT_VIDEO_ASPECT_RATIO,
        help_text="A starting image or a source clip sets the shape instead.",
    )
    resolution = forms.ChoiceField(
        choices=_choices(sorted({r for m in catalog.VIDEO_MODELS.values() for r in m.resolutions}, key=len)),
        initial=catalog.DEFAULT_VIDEO_RESOLUTION,
    )
    audio = forms.BooleanField(label="Audio", required=False, initial=True)
    image = ImageUploadField(label="Starting image", help_text="The video starts from this picture.")
    image_asset = forms.IntegerField(required=False, widget=forms.HiddenInput)
    last_frame = ImageUploadField(
        label="Last frame", help_text="Grok Imagine Video 1.5 only: the clip ends on it."
    )
    references = MultipleImageField(
        label="Reference images",
        max_count=max(m.max_reference_images for m in catalog.VIDEO_MODELS.values()),
        help_text="Characters or styles to keep, up to 7.",
        widget=MultipleImageInput(attrs={"accept": ",".join(catalog.REFERENCE_FORMATS.values())}),
    )
    video = ClipUploadField(label="Source clip", help_text="MP4 (H.264, H.265 or AV1).")
    video_asset = forms.IntegerField(required=False, widget=forms.HiddenInput)

    # The inputs each mode uses; the others are ignored.
    INPUTS = {
        "image": (catalog.VideoMode.IMAGE,),
        "image_asset": (catalog.VideoMode.IMAGE,),
        "last_frame": (catalog.VideoMode.TEXT, catalog.VideoMode.IMAGE),
        "references": (catalog.VideoMode.REFERENCE,),
        "video": (catalog.VideoMode.VIDEO, catalog.VideoMode.EXTEND),
        "video_asset": (catalog.VideoMode.VIDEO, catalog.VideoMode.EXTEND),
    }

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if self.is_bound:
            # A file picked before the person switched mode is still sent from its
            # hidden input: drop it unread, so it can neither cost a PyAV decode nor
            # block the form with an error nobody can see.
            mode = self.data.get(self.add_prefix("mode"))
            self.files = self.files.copy()
            for name, modes in self.INPUTS.items():
                if mode not in modes:
                    self.files.pop(self.add_prefix(name), None)

    def clean(self) -> dict:
        data = super().clean()
        model = catalog.VIDEO_MODELS.get(data.get("model", ""))
        mode = data.get("mode")
        if model is None or mode is None:
            return data
        Mode = catalog.VideoMode
        for name, modes in self.INPUTS.items():
            if mode not in modes:
                data[name] = [] if name == "references" else None
        data["image_asset"] = self._own_asset("image_asset", "image")
        data["video_asset"] = self._own_asset("video_asset", "video")

        if data.get("resolution") and data["resolution"] not in model.resolutions:
            self.add_error("resolution", f"{model.label} does not offer {data['resolution']}.")
        if data.get("last_frame") and not model.last_frame:
            self.add_error(
                "last_frame", f"{model.label} cannot pin a last frame; choose Grok Imagine Video 1.5."
            )
        duration = data.get("duration")
        if mode == Mode.REFERENCE:
            self._check_references(model, data, duration)
        elif mode in (Mode.VIDEO, Mode.EXTEND):
            self._check_source(model, mode, data, duration)
        else:
            if mode == Mode.IMAGE and not (data.get("image") or data.get("image_asset")):
                self._missing("image", "Choose the image to animate.")
            if duration and duration not in model.durations:
                self.add_error(
                    "duration", f"{model.label} makes {model.durations[0]} to {model.durations[-1]} seconds."
                )
        _check_budget(self, "video", data)
        return data

    def _missing(self, field: str, message: str) -> None:
        # A file the field refused already has its own message; "choose one" would contradict it.
        if not self.has_error(field):
            self.add_error(field, message)

    def _own_asset(self, field: str, kind: str) -> Asset | None:
        asset_id = self.cleaned_data.get(field)
        if not asset_id:
            return None
        asset = Asset.objects.filter(pk=asset_id, user=self.user, kind=kind).exclude(file="").first()
        if asset is None:
            self.add_error(None, f"That {kind} is not in your gallery.")
        return asset

    def _check_references(self, model: catalog.VideoModel, data: dict, duration: int | None) -> None:
        count = len(data.get("references") or [])
        if not count:
            self._missing("references", "Attach at least one reference image.")
        elif count > model.max_reference_images:
            self.add_error(
                "references", f"{model.label} takes at most {model.max_reference_images} reference images."
            )
        if duration and duration not in model.reference_durations:
            self.add_error(
                "duration",
                f"With reference images a video is at most {model.reference_durations[-1]} seconds.",
            )
        if data.get("resolution") and data["resolution"] not in model.reference_resolutions:
            self.add_error(
                "resolution",
                f"With reference images the resolution is at most {model.reference_resolutions[-1]}.",
            )

    def _check_source(self, model: catalog.VideoModel, mode: str, data: dict, duration: int | None) -> None:
        clip = data.get("video")
        asset = data.get("video_asset")
        if clip is None and asset is None:
            self._missing("video", "Choose the clip to start from.")
            return
        length = clip.duration_s if clip else (asset.duration_s or 0)
        if mode == catalog.VideoMode.VIDEO and length > model.edit_input_max_seconds:
            self.add_error(
                "video",
                f"The clip is {length:.1f} s; video to video takes at most {model.edit_input_max_seconds} s.",
            )
        if mode == catalog.VideoMode.EXTEND:
            low, high = model.extend_input_seconds
            if not low <= length <= high:
                self.add_error(
                    "video", f"The clip is {length:.1f} s; an extension starts from {low:g} to {high:g} s."
                )
            if duration and duration not in model.extend_durations:
                ext = model.extend_durations
                self.add_error("duration", f"An extension adds {ext[0]} to {ext[-1]} seconds.")


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
        self.fields["ids"].choices = [(v, v) for v in values if _plausible_id(v)]
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
