from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitLevel(models.TextChoices):
    PROVINCE = "province", _("Cấp tỉnh")
    DISTRICT = "district", _("Cấp huyện (trước 01/7/2025)")
    COMMUNE = "commune", _("Cấp xã")


class AgencyKind(models.TextChoices):
    PROVINCE_PC = "province_pc", _("UBND tỉnh")
    PROVINCE_OFFICE = "province_office", _("Văn phòng UBND tỉnh")
    SERVICE_CENTRE = "service_centre", _("Trung tâm Phục vụ hành chính công tỉnh")
    DEPARTMENT = "department", _("Sở, ban, ngành")
    POLICE = "police", _("Công an tỉnh")
    DISTRICT_PC = "district_pc", _("UBND cấp huyện (trước 01/7/2025)")
    COMMUNE_PC = "commune_pc", _("UBND cấp xã")
    COMMUNE_ONE_STOP = "commune_one_stop", _("Bộ phận Một cửa / Trung tâm Phục vụ hành chính công cấp xã")
