"""Administration of the one-stop back office (Quản trị): staff and roles, an agency's procedures, and for the
province administrator the working calendar and workflow versions.

Views only read and call named actions (DESIGN §4.1): ``accounts.staff``, ``workcalendar.overrides``,
``catalog.publishing``. Agencies, assignments and workflows come only through their ``access_*`` functions;
anything outside the caller's administration is a 404 (DESIGN §4.3).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from congso.accounts import staff
from congso.accounts.choices import Role
from congso.catalog.choices import ProcedureLevel
from congso.catalog.models import FeeLine, Procedure, WorkflowDefinition, WorkflowStatus
from congso.catalog.publishing import PublishError, access_workflow_for_admin, publish_draft
from congso.catalog.selectors import latest_workflows, workflow_for_procedure
from congso.dossiers.access import request_who
from congso.geo.choices import AgencyKind
from congso.workcalendar.choices import OverrideKind, OverrideStatus
from congso.workcalendar.models import CalendarOverride
from congso.workcalendar.overrides import OverrideError, add_override

COMMUNE_KINDS = (AgencyKind.COMMUNE_PC, AgencyKind.COMMUNE_ONE_STOP)
STAFF_FIELDS = ("username", "full_name", "email", "role", "title")
OVERRIDE_FIELDS = ("date", "kind", "name", "source_document", "status")


def _who(request):
    """The caller, if they administer at least one agency; anyone else gets a 404."""
    who = request_who(request)
    if not staff.is_administrator(who):
        raise Http404
    return who


def _province_who(request):
    who = _who(request)
    if not staff.is_province_admin(who):
        raise Http404
    return who


def _typed(post, names) -> dict:
    return {name: post.get(name, "") for name in names}


def _default_agency_id(request, who) -> int:
    """The agency chosen in the select (``?co-quan=``), else the caller's own first administered agency."""
    chosen = request.GET.get("co-quan")
    if chosen:
        return staff.access_agency_for_admin(who, chosen).pk
    own = [
        agency_id for agency_id, roles in sorted(who.roles.items()) if roles & {Role.PROVINCE_ADMIN, Role.AGENCY_ADMIN}
    ]
    if not own:
        raise Http404
    return own[0]


def _nav(who) -> dict:
    return {"province_admin": staff.is_province_admin(who)}


@login_required
def index(request):
    _who(request)
    return HttpResponseRedirect(reverse("backoffice_admin:staff-home"))


# ---- staff and roles ----------------------------------------------------------------------------------------------
@login_required
def staff_home(request):
    who = _who(request)
    return HttpResponseRedirect(reverse("backoffice_admin:staff", args=[_default_agency_id(request, who)]))


@login_required
def staff_page(request, agency_id: int):
    who = _who(request)
    agency = staff.access_agency_for_admin(who, agency_id)
    return _render_staff(request, who, agency)


def _render_staff(request, who, agency, *, error=None, form="", typed=None, created=None, status=200):
    assignments = list(staff.agency_staff(agency))
    for a in assignments:
        a.manageable = staff.may_manage_role(who, a.role)
        a.is_self = a.user_id == request.user.pk
    context = {
        **_nav(who),
        "section": "staff",
        "agency": agency,
        "agencies": _agency_choices(who),
        "assignments": assignments,
        "roles": [(r.value, r.label) for r in staff.grantable_roles(who)],
        "error": error,
        "form": form,
        "typed": typed or {},
        "created": created,
    }
    response = render(request, "backoffice/admin_staff.html", context, status=status)
    if created is not None:  # the initial password is on this page: never keep a copy of it
        add_never_cache_headers(response)
    return response


def _agency_choices(who):
    """The select of agencies, only when there is a choice to make."""
    agencies = list(staff.administered_agencies(who).only("id", "name", "kind"))
    return agencies if len(agencies) > 1 else []


@login_required
@require_POST
def grant(request, agency_id: int):
    who = _who(request)
    agency = staff.access_agency_for_admin(who, agency_id)
    typed = _typed(request.POST, STAFF_FIELDS)
    try:
        assignment = staff.grant_role(
            who, agency=agency, username=typed["username"], role=typed["role"], title=typed["title"]
        )
    except staff.StaffError as exc:
        return _render_staff(request, who, agency, error=exc, form="grant", typed=typed, status=exc.status)
    messages.success(
        request,
        _("Đã cấp vai trò “%(role)s” cho %(user)s.")
        % {"role": assignment.get_role_display(), "user": assignment.user.full_name or assignment.user.username},
    )
    return HttpResponseRedirect(reverse("backoffice_admin:staff", args=[agency.pk]))


@login_required
@require_POST
def create_account(request, agency_id: int):
    who = _who(request)
    agency = staff.access_agency_for_admin(who, agency_id)
    typed = _typed(request.POST, STAFF_FIELDS)
    try:
        assignment, password = staff.create_staff_account(
            who,
            agency=agency,
            username=typed["username"],
            full_name=typed["full_name"],
            email=typed["email"],
            role=typed["role"],
            title=typed["title"],
        )
    except staff.StaffError as exc:
        return _render_staff(request, who, agency, error=exc, form="create", typed=typed, status=exc.status)
    # Shown on this response only (not in a message, which would sit in the session or a cookie).
    return _render_staff(request, who, agency, created={"assignment": assignment, "password": password})


@login_required
@require_POST
def withdraw(request, pk: int):
    return _set_active(request, pk, active=False)


@login_required
@require_POST
def restore(request, pk: int):
    return _set_active(request, pk, active=True)


def _set_active(request, pk: int, *, active: bool):
    who = _who(request)
    assignment = staff.access_assignment_for_admin(who, pk)
    try:
        if active:
            assignment = staff.restore_role(who, assignment)
        else:
            assignment = staff.withdraw_role(who, assignment)
    except staff.StaffError as exc:
        return _render_staff(request, who, assignment.agency, error=exc, form="assignment", status=exc.status)
    values = {"role": assignment.get_role_display(), "user": assignment.user.full_name or assignment.user.username}
    if active:
        messages.success(request, _("Đã khôi phục vai trò “%(role)s” của %(user)s.") % values)
    else:
        messages.success(request, _("Đã thu hồi vai trò “%(role)s” của %(user)s.") % values)
    return HttpResponseRedirect(reverse("backoffice_admin:staff", args=[assignment.agency_id]))


# ---- the agency's procedures (read-only) --------------------------------------------------------------------------
@login_required
def procedures_home(request):
    who = _who(request)
    return HttpResponseRedirect(reverse("backoffice_admin:procedures", args=[_default_agency_id(request, who)]))


def agency_procedures(agency):
    """The current procedures ``agency`` handles: those naming it, and for a commune every commune-level one."""
    condition = Q(agencies=agency)
    if agency.kind in COMMUNE_KINDS:
        condition |= Q(level=ProcedureLevel.COMMUNE)
    ids = Procedure.objects.current().filter(condition).values("pk")
    return (
        Procedure.objects.filter(pk__in=ids)
        .only("id", "key", "code", "name", "level", "duration_value", "duration_unit", "duration_text")
        .prefetch_related(Prefetch("fee_lines", FeeLine.objects.order_by("order")))
        .order_by("name")
    )


@login_required
def procedures_page(request, agency_id: int):
    who = _who(request)
    agency = staff.access_agency_for_admin(who, agency_id)
    workflows = latest_workflows()
    rows = [(p, workflow_for_procedure(p, workflows)) for p in agency_procedures(agency)]
    context = {
        **_nav(who),
        "section": "procedures",
        "agency": agency,
        "agencies": _agency_choices(who),
        "rows": rows,
    }
    return render(request, "backoffice/admin_procedures.html", context)


# ---- the working calendar (province administrator) ----------------------------------------------------------------
@login_required
def calendar_page(request):
    who = _province_who(request)
    if request.method != "POST":
        return _render_calendar(request, who)
    typed = _typed(request.POST, OVERRIDE_FIELDS)
    try:
        override = add_override(
            date=typed["date"],
            kind=typed["kind"],
            name=typed["name"],
            source_document=typed["source_document"],
            status=typed["status"] or OverrideStatus.CONFIRMED,
        )
    except OverrideError as exc:
        return _render_calendar(request, who, error=exc, typed=typed, status=exc.status)
    if override.kind == OverrideKind.WORKING_DAY:
        text = _("Từ nay, ngày %(day)s là ngày làm việc (%(name)s).")
    else:
        text = _("Từ nay, ngày %(day)s là ngày nghỉ (%(name)s).")
    messages.success(request, text % {"day": f"{override.date:%d/%m/%Y}", "name": override.name})
    return HttpResponseRedirect(reverse("backoffice_admin:calendar"))


def _render_calendar(request, who, *, error=None, typed=None, status=200):
    today = timezone.localdate()
    overrides = list(CalendarOverride.objects.order_by("date"))
    context = {
        **_nav(who),
        "section": "calendar",
        "upcoming": [o for o in overrides if o.date >= today],
        "past": [o for o in overrides if o.date < today][::-1],
        "kinds": OverrideKind.choices,
        "statuses": OverrideStatus.choices,
        "today": today,
        "error": error,
        "typed": typed or {"status": OverrideStatus.CONFIRMED},
    }
    return render(request, "backoffice/admin_calendar.html", context, status=status)


# ---- workflow versions (province administrator) -------------------------------------------------------------------
@login_required
def workflows_page(request):
    who = _province_who(request)
    return _render_workflows(request, who)


def _render_workflows(request, who, *, error=None, failed=None, status=200):
    in_force = {wf.pk for wf in latest_workflows().values()}
    definitions = list(WorkflowDefinition.objects.defer("spec").order_by("key", "-version"))
    drafts = {
        wf.pk: wf.spec.get("steps") if isinstance(wf.spec, dict) else None
        for wf in WorkflowDefinition.objects.filter(status=WorkflowStatus.DRAFT).only("id", "spec")
    }
    for wf in definitions:
        wf.in_force = wf.pk in in_force
        wf.draft_steps = drafts.get(wf.pk) if isinstance(drafts.get(wf.pk), list) else []
    context = {
        **_nav(who),
        "section": "workflows",
        "definitions": definitions,
        "error": error,
        "failed": failed,
    }
    return render(request, "backoffice/admin_workflows.html", context, status=status)


@login_required
@require_POST
def publish(request, pk: int):
    who = _province_who(request)
    definition = access_workflow_for_admin(who, pk)
    try:
        definition = publish_draft(definition, who)
    except PublishError as exc:
        return _render_workflows(request, who, error=exc, failed=definition.pk, status=exc.status)
    messages.success(
        request,
        _("Đã ban hành quy trình %(name)s, phiên bản %(version)s; hồ sơ mới sẽ theo phiên bản này.")
        % {"name": definition.name, "version": definition.version},
    )
    return HttpResponseRedirect(reverse("backoffice_admin:workflows"))
