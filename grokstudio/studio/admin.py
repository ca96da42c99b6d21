from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from grokstudio.studio.models import Asset, Generation, Preset, Reference
from grokstudio.studio.validation import check_preset


class ReferenceInline(admin.TabularInline):
    model = Reference
    extra = 0
    raw_id_fields = ["asset"]


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "kind", "model", "status", "error_code", "created_at"]
    list_filter = ["status", "kind", "model", "error_code"]
    search_fields = ["prompt", "user__username", "request_id"]
    readonly_fields = ["created_at", "updated_at", "started_at", "finished_at"]
    inlines = [ReferenceInline]


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "role", "kind", "content_type", "width", "height", "created_at"]
    list_filter = ["role", "kind"]
    raw_id_fields = ["generation"]


class PresetAdminForm(forms.ModelForm):
    def clean(self) -> dict:
        data = super().clean()
        try:
            data["options"] = check_preset(data.get("kind", ""), data.get("options") or {})
        except ValidationError as exc:
            self.add_error("options", exc.messages)
        return data


@admin.register(Preset)
class PresetAdmin(admin.ModelAdmin):
    """Staff publish a preset for everyone by ticking `shared`; its options are checked as the
    presets page checks them."""

    form = PresetAdminForm
    list_display = ["name", "user", "kind", "shared", "updated_at"]
    list_editable = ["shared"]
    list_filter = ["kind", "shared"]
    search_fields = ["name", "user__username"]
    raw_id_fields = ["user"]
