"""Publishing a draft workflow version (the province administrator's decision).

``catalog.actions.publish_workflow`` publishes a definition file as a new version; this publishes a
version already stored as a draft (``WorkflowStatus.DRAFT``), after the same validation. Once
published it is immutable (``WorkflowDefinition.save``) and new dossiers of the procedures it covers
start on it; running dossiers keep the version they pinned.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from congso.accounts.choices import Role
from congso.accounts.staff import is_province_admin
from congso.catalog.models import Procedure, WorkflowDefinition, WorkflowStatus
from congso.catalog.selectors import latest_workflows, procedure_duration_hours, workflow_for_procedure
from congso.catalog.workflows import WorkflowError, parse_workflow, resolve_budgets

log = logging.getLogger(__name__)


class PublishError(Exception):
    """Publishing is refused; ``errors`` are the validator's Vietnamese messages, one per problem."""

    def __init__(self, message: str, errors: list[str] | None = None, status: int = 422):
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        self.status = status


def access_workflow_for_admin(who, definition_id) -> WorkflowDefinition:
    """The workflow definition, for the province administrator only; otherwise 404."""
    if not is_province_admin(who):
        raise Http404
    try:
        definition_id = int(definition_id)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < definition_id < 2**62:
        raise Http404
    definition = WorkflowDefinition.objects.filter(pk=definition_id).first()
    if definition is None:
        raise Http404
    return definition


def _budget_errors(definition: WorkflowDefinition, spec) -> list[str]:
    """The budgets must fit the duration of every current procedure new dossiers would start on this version."""
    if spec.child:  # a liên thông branch: its budget comes from the parent's branch, not a procedure
        return []
    workflows = {**latest_workflows(), definition.key: definition}
    errors: list[str] = []
    for procedure in Procedure.objects.current().only("id", "key", "level", "duration_value", "duration_unit"):
        if workflow_for_procedure(procedure, workflows) is not definition:
            continue
        hours = procedure_duration_hours(procedure)
        if hours is None:  # the officer gives the duration at acceptance
            continue
        try:
            resolve_budgets(spec, Decimal(hours))
        except WorkflowError as exc:
            errors.extend(f"{procedure.key}: {e}" for e in exc.errors)
    return errors


def publish_draft(definition: WorkflowDefinition, who) -> WorkflowDefinition:
    """Validate the draft ``definition`` and publish it; raise :class:`PublishError` with every problem."""
    if not is_province_admin(who):
        raise Http404
    with transaction.atomic():
        # Every version of the key, locked: two publications of one workflow run one after another.
        versions = list(WorkflowDefinition.objects.select_for_update().filter(key=definition.key).order_by("-version"))
        current = next((v for v in versions if v.pk == definition.pk), None)
        if current is None:
            raise Http404
        if current.status != WorkflowStatus.DRAFT:
            raise PublishError(
                _("Quy trình %(key)s phiên bản %(version)s đã ban hành; phiên bản đã ban hành không được sửa.")
                % {"key": current.key, "version": current.version},
                status=409,
            )
        newer = [v for v in versions if v.status == WorkflowStatus.PUBLISHED and v.version > current.version]
        if newer:
            raise PublishError(
                _(
                    "Đã có phiên bản %(newer)s của quy trình %(key)s được ban hành sau bản nháp này; "
                    "hãy lập bản nháp mới từ phiên bản hiện hành."
                )
                % {"newer": newer[0].version, "key": current.key},
                status=409,
            )
        try:
            spec = parse_workflow(current.spec, roles=set(Role.values))
        except WorkflowError as exc:
            raise PublishError(str(exc).splitlines()[0], errors=exc.errors) from None
        if spec.key != current.key:
            raise PublishError(
                _("Khóa trong định nghĩa (%(inner)s) khác khóa của quy trình (%(key)s).")
                % {"inner": spec.key, "key": current.key}
            )
        # The row's columns follow the spec being published (a draft's may have been edited separately).
        current.name = spec.name
        current.name_en = spec.name_en
        current.spec_sha256 = spec.sha256()
        current.default_for_level = spec.default_for_level
        current.procedure_keys = list(spec.procedures)
        current.child = spec.child
        errors = _budget_errors(current, spec)
        if errors:
            raise PublishError(_("Quy trình %(key)s không hợp lệ:") % {"key": repr(current.key)}, errors=errors)
        current.status = WorkflowStatus.PUBLISHED
        current.published_at = timezone.now()
        current.save(
            update_fields=[
                "name",
                "name_en",
                "spec_sha256",
                "default_for_level",
                "procedure_keys",
                "child",
                "status",
                "published_at",
            ]
        )
    log.info("workflow: %s published %s v%s", who.user.username, current.key, current.version)
    return current
