from django.contrib import admin

from congso.core.admin import ReadOnlyAdmin
from congso.feedback.models import Complaint, Rating


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "score", "agency", "at")
    list_filter = ("score",)


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ("reference", "kind", "subject", "agency", "status", "created_at", "answered_at")
    list_filter = ("status", "kind")
    search_fields = ("reference", "subject", "name")
