"""Bench-only views, mounted by ``congso/urls.py`` only when ``CONGSO_BENCH_VIEWS=1``.

``insert_one`` is the reference ceiling of ``bench/bench_dossiers.py``: a bare Django view doing one
INSERT, served by the same gunicorn and database as the dossier API. It writes into the tiny
``LookupFailure`` table (a random client, so the unique (client, window) never conflicts) to avoid a
bench-only migration.
"""

from __future__ import annotations

import uuid

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from congso.dossiers.models import LookupFailure


@csrf_exempt
@require_POST
def insert_one(request):
    LookupFailure.objects.create(client=uuid.uuid4().hex, window=timezone.now(), count=1)
    return HttpResponse(status=204)
