"""The create form: every option checked on the server against the model table."""

from __future__ import annotations

from django import forms
from django.conf import settings

from grokstudio.studio import catalog
from grokstudio.studio.media import CheckedImage, ImageRejected, check_reference


class MultipleImageInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Zero or more uploaded images; each is checked and cleaned in `clean`."""

    widget = MultipleImageInput

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list[CheckedImage]:
        if data is forms.fields.FILE_INPUT_CONTRADICTION:
            raise forms.ValidationError("Send reference images as files only.")
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        limit = catalog.max_references()
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


def _choices(values) -> list[tuple[str, str]]:
    return [(v, v) for v in values]


class ImageGenerationForm(forms.Form):
    prompt = forms.CharField(
        max_length=catalog.PROMPT_MAX_CHARS,
        strip=True,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "placeholder": "Describe the image you want…",
                "maxlength": catalog.PROMPT_MAX_CHARS,
            }
        ),
        error_messages={"required": "Write a prompt first."},
    )
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

    def clean(self) -> dict:
        data = super().clean()
        model = catalog.IMAGE_MODELS.get(data.get("model", ""))
        if model is None:
            return data
        if data.get("aspect_ratio") and data["aspect_ratio"] not in model.aspect_ratios:
            self.add_error("aspect_ratio", f"{model.label} does not offer {data['aspect_ratio']}.")
        if data.get("resolution") and data["resolution"] not in model.resolutions:
            self.add_error("resolution", f"{model.label} does not offer {data['resolution']}.")
        if data.get("n") and data["n"] > model.max_images:
            self.add_error("n", f"{model.label} makes at most {model.max_images} images at once.")
        if len(data.get("references") or []) > model.max_references:
            self.add_error(
                "references", f"{model.label} takes at most {model.max_references} reference images."
            )
        return data
