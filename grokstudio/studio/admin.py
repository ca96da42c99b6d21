from django.contrib import admin

from grokstudio.studio.models import Asset, Generation, Reference


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
