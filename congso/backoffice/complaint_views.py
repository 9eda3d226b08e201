"""Phản ánh, kiến nghị for the officers of the agency concerned: list, take, answer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from congso.backoffice.views import _who
from congso.dossiers.actions import ActionError
from congso.feedback import actions
from congso.feedback.models import Complaint, ComplaintStatus


def _scope(who):
    qs = Complaint.objects.select_related("agency", "dossier")
    return qs if who.province_wide else qs.filter(agency_id__in=who.agency_ids)


@login_required
def complaints(request):
    who = _who(request)
    status = request.GET.get("status", "")
    qs = _scope(who)
    if status in ComplaintStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-created_at"), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "backoffice/complaints.html",
        {"page": page, "status": status, "statuses": ComplaintStatus.choices},
    )


@login_required
def complaint(request, pk: int, *, error=None, status=200):
    who = _who(request)
    c = _scope(who).filter(pk=pk).first()
    if c is None:
        raise Http404
    return render(request, "backoffice/complaint.html", {"c": c, "error": error}, status=status)


@login_required
@require_POST
def complaint_act(request, pk: int, what: str):
    who = _who(request)
    c = _scope(who).filter(pk=pk).first()
    if c is None or what not in ("take", "answer", "reject"):
        raise Http404
    try:
        if what == "take":
            actions.take(c, who)
        else:
            actions.answer(c, who, text=request.POST.get("answer", ""), reject=what == "reject")
    except ActionError as exc:
        return complaint(request, pk, error=exc, status=exc.status)
    messages.success(request, _("Đã cập nhật phản ánh %(ref)s.") % {"ref": c.reference})
    return HttpResponseRedirect(reverse("backoffice:complaint", args=[pk]))
