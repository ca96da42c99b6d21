from django.contrib import admin

from grokstudio.api.models import ApiToken, Callback


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by their owners; an administrator sees them and can revoke one (set revoked at)."""

    list_display = ["prefix", "name", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "name", "user__username"]
    # Neither secret is shown here: the digest is useless to read, the signing secret its owner's.
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Callback)
class CallbackAdmin(admin.ModelAdmin):
    list_display = ["generation", "url", "state", "attempts", "next_attempt_at", "delivered_at", "last_error"]
    list_filter = ["state"]
    search_fields = ["url", "generation__id"]

    # Read only: senders change these rows, and a form saved over one would undo their work.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
