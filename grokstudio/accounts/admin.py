from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from grokstudio.accounts.models import Budget


class BudgetInline(admin.StackedInline):
    model = Budget
    can_delete = False
    verbose_name_plural = "budget"


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StudioUserAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, BudgetInline]
