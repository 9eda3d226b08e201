"""Run in separate processes by test_concurrency while other processes accept the same dossiers:
``refresh START STEP GO_AT ROUNDS`` refreshes them with nothing to change; ``complain START STEP GO_AT`` files
a complaint about each (a change that is not a dossier action, so it does not hold the dossier's lock)."""

import sys
import time

import django

django.setup()

from congso.dossiers.models import Dossier  # noqa: E402
from congso.kpi.actions import refresh_dossier  # noqa: E402


def refresh(start: int, step: int, go_at: float, rounds: int) -> None:
    ids = list(Dossier.objects.order_by("pk").values_list("pk", flat=True))[start::step]
    time.sleep(max(0.0, go_at - time.time()))
    for _ in range(rounds):
        for pk in ids:
            refresh_dossier(pk)


def complain(start: int, step: int, go_at: float) -> None:
    from congso.feedback.actions import submit_complaint

    dossiers = list(Dossier.objects.order_by("pk").select_related("competent_agency"))[start::step]
    time.sleep(max(0.0, go_at - time.time()))
    for d in dossiers:
        submit_complaint(
            kind="feedback",
            name="Người phản ánh",
            email="",
            phone="",
            agency=d.competent_agency,
            subject="Chậm",
            content="Chưa nhận được kết quả.",
            dossier=d,
        )


if __name__ == "__main__":
    if sys.argv[1] == "refresh":
        refresh(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]))
    else:
        complain(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
