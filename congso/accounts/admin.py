from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from congso.accounts.actions import create_api_token
from congso.accounts.models import ApiToken, ExternalIdentity, LoginThrottle, Representation, StaffAssignment, User


class StaffAssignmentInline(admin.TabularInline):
    model = StaffAssignment
    extra = 0
    autocomplete_fields = ["agency"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ExternalIdentityInline(ReadOnlyInline):
    model = ExternalIdentity
    fields = ["issuer", "subject", "created_at", "last_login_at"]
    readonly_fields = fields


class RepresentationInline(ReadOnlyInline):
    model = Representation
    fields = ["enterprise_name", "tax_code", "role", "source", "verified_at", "active"]
    readonly_fields = fields


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "email", "phone", "account_type", "is_staff", "is_active"]
    list_filter = ["account_type", "is_staff", "is_active"]
    search_fields = ["username", "full_name", "email", "phone", "id_number"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("congso"), {"fields": ("full_name", "phone", "account_type")}),
        (_("Định danh"), {"fields": ("id_number", "date_of_birth", "address", "identity_verified_at")}),
    )
    readonly_fields = ["identity_verified_at"]
    inlines = [StaffAssignmentInline, ExternalIdentityInline, RepresentationInline]


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role", "title", "active"]
    list_filter = ["role", "active"]
    search_fields = ["user__username", "user__full_name", "agency__name"]
    autocomplete_fields = ["user", "agency"]
    list_select_related = ["user", "agency"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created here; the secret is shown once, in the confirmation message."""

    list_display = ["name", "prefix", "user", "agency", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username", "agency__name"]
    autocomplete_fields = ["user", "agency"]
    fields = ["name", "user", "agency", "revoked_at"]
    readonly_fields: list[str] = []

    def get_readonly_fields(self, request, obj=None):
        return ["name", "user", "agency"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["revoked_at"])  # post_save drops the token from every cache in this process
            return
        token, secret = create_api_token(obj.user, obj.agency, obj.name)
        obj.pk = token.pk
        messages.warning(
            request,
            _("Khóa API mới (chỉ hiển thị một lần, hãy lưu lại ngay): %(secret)s") % {"secret": secret},
        )


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    """Failed logins; an administrator unlocks an account by deleting its row."""

    list_display = ("key", "failures", "window_start", "locked_until")
    search_fields = ("key",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(admin.ModelAdmin):
    """Accounts linked to the identity provider; deleting a row unlinks it (the next login links or creates)."""

    list_display = ["user", "issuer", "subject", "created_at", "last_login_at"]
    search_fields = ["user__username", "user__full_name", "user__id_number", "subject"]
    list_select_related = ["user"]
    readonly_fields = ["user", "issuer", "subject", "created_at", "last_login_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Representation)
class RepresentationAdmin(admin.ModelAdmin):
    """Who represents which enterprise, as the identity provider stated at their last login (read only)."""

    list_display = ["enterprise_name", "tax_code", "user", "role", "active", "verified_at"]
    list_filter = ["active", "role", "source"]
    search_fields = ["tax_code", "enterprise_name", "user__full_name", "user__id_number"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
