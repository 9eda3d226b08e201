"""The applicant's side of a dossier: submit online (wizard), follow, answer, withdraw."""

urlpatterns: list = []
