"""The default templates of a complaint's status changes: the sender hears that it was received, taken up, answered
or found outside the agency's remit, with the reference and the link to follow it (administrators edit them)."""

from django.db import migrations

SIGN = "\n\n— Cổng dịch vụ công tỉnh Thanh Hóa (thư tự động, vui lòng không trả lời)"
FOLLOW = "Theo dõi phản ánh: {tra_cuu}\n(nhập mã phản ánh và thư điện tử hoặc số điện thoại đã dùng khi gửi)"
TEMPLATES = [
    ("complaint_received", "Đã tiếp nhận phản ánh, kiến nghị {ma_phan_anh}",
     "Kính gửi {ho_ten},\n\n{co_quan} đã nhận phản ánh, kiến nghị «{tieu_de}» của Ông/Bà.\n"
     "Mã phản ánh: {ma_phan_anh}\n" + FOLLOW,
     "Da nhan phan anh {ma_phan_anh}. Theo doi: {tra_cuu}"),
    ("complaint_processing", "Phản ánh, kiến nghị {ma_phan_anh} đang được xử lý",
     "Kính gửi {ho_ten},\n\nPhản ánh, kiến nghị «{tieu_de}» (mã {ma_phan_anh}) đang được {co_quan} xem xét, "
     "xử lý.\n" + FOLLOW,
     "Phan anh {ma_phan_anh} dang duoc xu ly. Theo doi: {tra_cuu}"),
    ("complaint_answered", "Phản ánh, kiến nghị {ma_phan_anh} đã có trả lời",
     "Kính gửi {ho_ten},\n\n{co_quan} trả lời phản ánh, kiến nghị «{tieu_de}» (mã {ma_phan_anh}) của Ông/Bà:\n\n"
     "{tra_loi}\n\n" + FOLLOW,
     "Phan anh {ma_phan_anh} da co tra loi. Xem tai: {tra_cuu}"),
    ("complaint_rejected", "Phản ánh, kiến nghị {ma_phan_anh}: không thuộc phạm vi xử lý",
     "Kính gửi {ho_ten},\n\n{co_quan} thông báo phản ánh, kiến nghị «{tieu_de}» (mã {ma_phan_anh}) không thuộc "
     "phạm vi xử lý của cơ quan:\n\n{tra_loi}\n\n" + FOLLOW,
     "Phan anh {ma_phan_anh} khong thuoc pham vi xu ly cua co quan. Xem tai: {tra_cuu}"),
]


def create(apps, schema_editor):
    MessageTemplate = apps.get_model("notify", "MessageTemplate")
    for event, subject, body, sms in TEMPLATES:
        MessageTemplate.objects.get_or_create(event=event, channel="email", defaults={"subject": subject, "body": body + SIGN})
        MessageTemplate.objects.get_or_create(event=event, channel="sms", defaults={"body": sms})


def remove(apps, schema_editor):
    apps.get_model("notify", "MessageTemplate").objects.filter(event__startswith="complaint_").delete()


class Migration(migrations.Migration):
    dependencies = [("notify", "0003_complaint_notifications")]
    operations = [migrations.RunPython(create, remove)]
