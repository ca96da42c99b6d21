from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from grokstudio.accounts.models import Budget, Invitation


class BudgetInline(admin.StackedInline):
    model = Budget
    can_delete = False
    verbose_name_plural = "budget"


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StudioUserAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, BudgetInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are made on the Invite page, which shows the link once; here they are listed."""

    list_display = ["__str__", "created_by", "created_at", "expires_at", "used_by", "used_at"]
    readonly_fields = ["digest", "created_by", "created_at", "used_at", "used_by"]
    fields = ["note", "expires_at", *readonly_fields]

    def has_add_permission(self, request) -> bool:
        return False
