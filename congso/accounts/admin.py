from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from congso.accounts.models import StaffAssignment, User


class StaffAssignmentInline(admin.TabularInline):
    model = StaffAssignment
    extra = 0
    autocomplete_fields = ["agency"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "email", "phone", "account_type", "is_staff", "is_active"]
    list_filter = ["account_type", "is_staff", "is_active"]
    search_fields = ["username", "full_name", "email", "phone"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("congso"), {"fields": ("full_name", "phone", "account_type")}),)
    inlines = [StaffAssignmentInline]


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role", "title", "active"]
    list_filter = ["role", "active"]
    search_fields = ["user__username", "user__full_name", "agency__name"]
    autocomplete_fields = ["user", "agency"]
    list_select_related = ["user", "agency"]
