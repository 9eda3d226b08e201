"""Dossiers in the admin are read-only: every change goes through a named action (DESIGN §4.1)."""

from django.contrib import admin

from congso.core.admin import ReadOnlyAdmin
from congso.dossiers.models import (
    CodeCounter,
    Dossier,
    DossierEvent,
    DossierFile,
    ExternalSigningSession,
    IdempotencyRecord,
    InternalNote,
    LookupFailure,
    PersonalDocument,
    StepRun,
    StoredFile,
)


class StepRunInline(admin.TabularInline):
    model = StepRun
    extra = 0
    can_delete = False
    fields = [
        "seq",
        "name",
        "agency",
        "assignee",
        "entered_at",
        "left_at",
        "budget_seconds",
        "consumed_seconds",
        "outcome",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dossier)
class DossierAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "procedure",
        "state",
        "national_status",
        "applicant_name",
        "accepted_at",
        "due_at",
        "outcome",
    ]
    list_filter = ["state", "national_status", "channel", "source", "outcome"]
    search_fields = ["code", "applicant_name"]
    list_select_related = ["procedure"]
    inlines = [StepRunInline]


@admin.register(DossierEvent)
class DossierEventAdmin(ReadOnlyAdmin):
    list_display = ["dossier", "seq", "action", "actor_label", "at", "from_state", "to_state", "hash"]
    list_filter = ["action"]
    search_fields = ["dossier__code"]
    list_select_related = ["dossier"]


@admin.register(StepRun)
class StepRunAdmin(ReadOnlyAdmin):
    list_display = ["dossier", "seq", "name", "agency", "entered_at", "left_at", "outcome"]
    list_select_related = ["dossier", "agency"]


@admin.register(DossierFile)
class DossierFileAdmin(ReadOnlyAdmin):
    list_display = ["dossier", "kind", "name", "filename", "digitised", "reused", "signed_at"]
    list_filter = ["kind", "digitised", "reused"]
    list_select_related = ["dossier"]


@admin.register(StoredFile)
class StoredFileAdmin(ReadOnlyAdmin):
    list_display = ["sha256", "content_type", "size", "created_at"]


@admin.register(PersonalDocument)
class PersonalDocumentAdmin(ReadOnlyAdmin):
    list_display = ["owner", "name", "is_result", "source_dossier", "created_at"]
    list_select_related = ["owner", "source_dossier"]


@admin.register(CodeCounter)
class CodeCounterAdmin(ReadOnlyAdmin):
    list_display = ["agency", "day", "last"]
    list_select_related = ["agency"]


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ["scope", "key", "status_code", "created_at"]


@admin.register(LookupFailure)
class LookupFailureAdmin(ReadOnlyAdmin):
    list_display = ["client", "window", "count"]


@admin.register(ExternalSigningSession)
class ExternalSigningSessionAdmin(ReadOnlyAdmin):
    list_display = ("id", "dossier_file", "user", "created_at", "expires_at", "finished_at")
    exclude = ("state",)


@admin.register(InternalNote)
class InternalNoteAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "author", "at", "text")
    search_fields = ("dossier__code", "text")
