"""Default templates for an officer's message to the applicant (event ``message``) and for a supplement answered
online being received; administrators edit them."""

from django.db import migrations

SIGN = "\n\n— Cổng dịch vụ công tỉnh Thanh Hóa (thư tự động, vui lòng không trả lời)"
TEMPLATES = [
    (
        "message",
        "Tin nhắn về hồ sơ {thu_tuc}",
        "Kính gửi {ho_ten},\n\n{co_quan} nhắn về hồ sơ «{thu_tuc}» của Ông/Bà:\n\n{noi_dung}\n\n"
        "Xem hồ sơ: {xem_ho_so}",
        "Co tin nhan ve ho so cua Ong/Ba. Xem tai: {xem_ho_so}",
    ),
]


def create(apps, schema_editor):
    MessageTemplate = apps.get_model("notify", "MessageTemplate")
    for event, subject, body, sms in TEMPLATES:
        MessageTemplate.objects.get_or_create(
            event=event, channel="email", defaults={"subject": subject, "body": body + SIGN}
        )
        MessageTemplate.objects.get_or_create(event=event, channel="sms", defaults={"body": sms})


def remove(apps, schema_editor):
    apps.get_model("notify", "MessageTemplate").objects.filter(event="message").delete()


class Migration(migrations.Migration):
    dependencies = [("notify", "0004_complaint_templates")]
    operations = [migrations.RunPython(create, remove)]
