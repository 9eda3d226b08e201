"""The applicant's side of a dossier: submit online (wizard), follow, answer, withdraw."""

from django.urls import path

from congso.portal import dossier_views as v

urlpatterns = [
    path("nop-truc-tuyen/<int:procedure_pk>/", v.start, name="submit-start"),
    path("ho-so-cua-toi/", v.my_dossiers, name="my-dossiers"),
    path("ho-so-cua-toi/<int:pk>/", v.my_dossier, name="my-dossier"),
    path("ho-so-cua-toi/<int:pk>/nguoi-nop/", v.step_applicant, name="wizard-applicant"),
    path("ho-so-cua-toi/<int:pk>/to-khai/", v.step_form, name="wizard-form"),
    path("ho-so-cua-toi/<int:pk>/giay-to/", v.step_files, name="wizard-files"),
    path("ho-so-cua-toi/<int:pk>/xem-lai/", v.step_review, name="wizard-review"),
    path("ho-so-cua-toi/<int:pk>/bo-sung/", v.supplement, name="my-dossier-supplement"),
    path("ho-so-cua-toi/<int:pk>/rut-ho-so/", v.withdraw, name="my-dossier-withdraw"),
    path("ho-so-cua-toi/<int:pk>/tep/<int:file_id>/", v.download, name="my-dossier-file"),
    path("ho-so-cua-toi/<int:pk>/giay-tiep-nhan.pdf", v.receipt_form, name="my-dossier-receipt"),
]
