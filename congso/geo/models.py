from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from congso.geo.choices import AgencyKind, UnitLevel
from congso.geo.identifiers import agency_identifier_errors


class EffectiveQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date):
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def current(self):
        return self.filter(valid_to__isnull=True)


class AdministrativeUnit(models.Model):
    """Đơn vị hành chính / administrative unit.

    A province, a (legacy, pre-1 Jul 2025) district-level unit, or a commune (xã, phường, thị trấn,
    đặc khu), with its official (GSO) code and validity dates. Codes are reused across reforms, so
    the natural key is ``key`` (see data/geo/README.md), not ``code``.
    """

    key = models.CharField(_("khóa"), max_length=40, unique=True)
    code = models.CharField(_("mã"), max_length=10, db_index=True)
    name = models.CharField(_("tên"), max_length=200)
    short_name = models.CharField(_("tên ngắn"), max_length=200)
    level = models.CharField(_("cấp"), max_length=10, choices=UnitLevel.choices, db_index=True)
    kind = models.CharField(_("loại"), max_length=40)
    parent = models.ForeignKey(
        "self", verbose_name=_("trực thuộc"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    successors = models.ManyToManyField(
        "self", verbose_name=_("đơn vị kế thừa"), symmetrical=False, blank=True, related_name="predecessors"
    )

    objects = EffectiveQuerySet.as_manager()

    class Meta:
        ordering = ["level", "code", "valid_from"]
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")

    def __str__(self) -> str:
        return self.name


class Agency(models.Model):
    """Cơ quan, đơn vị / agency.

    A state body that receives or processes dossiers: the provincial People's Committee, its office,
    the Public Administration Service Centre, departments, commune People's Committees and their
    one-stop offices. Identified by its electronic identifier (mã định danh điện tử).
    """

    slug = models.SlugField(_("khóa"), max_length=120, unique=True)
    identifier = models.CharField(_("mã định danh"), max_length=35, null=True, blank=True, unique=True)
    identifier_confirmed = models.BooleanField(
        _("mã định danh đã đối chiếu nguồn chính thức"),
        default=False,
        help_text=_("Bỏ chọn nếu mã định danh là tạm thời, chưa đối chiếu với quyết định ban hành."),
    )
    name = models.CharField(_("tên"), max_length=300)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=300, blank=True)
    short_name = models.CharField(_("tên ngắn"), max_length=120, blank=True)
    kind = models.CharField(_("loại"), max_length=30, choices=AgencyKind.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("cơ quan cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("đơn vị hành chính"), on_delete=models.PROTECT, related_name="agencies"
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    successors = models.ManyToManyField(
        "self", verbose_name=_("cơ quan kế thừa"), symmetrical=False, blank=True, related_name="predecessors"
    )
    source = models.CharField(_("nguồn"), max_length=500, blank=True)

    objects = EffectiveQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.identifier:
            errors = agency_identifier_errors(self.identifier)
            if errors:
                raise ValidationError({"identifier": errors})
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực.")})
