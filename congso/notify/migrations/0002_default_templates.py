"""The default Vietnamese templates (administrators edit them in the admin; placeholders are checked)."""

from django.db import migrations

SIGN = "\n\n— Cổng dịch vụ công tỉnh Thanh Hóa (thư tự động, vui lòng không trả lời)"
TEMPLATES = [
    ("submit", "Đã nhận hồ sơ trực tuyến: {thu_tuc}",
     "Kính gửi {ho_ten},\n\nHồ sơ «{thu_tuc}» của Ông/Bà đã được gửi đến {co_quan} và đang chờ tiếp nhận.",
     "Ho so {thu_tuc} da duoc gui, dang cho tiep nhan."),
    ("accept", "Hồ sơ {ma_ho_so} đã được tiếp nhận",
     "Kính gửi {ho_ten},\n\nHồ sơ «{thu_tuc}» đã được {co_quan} tiếp nhận.\nMã hồ sơ: {ma_ho_so}\n"
     "Hẹn trả kết quả: {hen_tra}\n{so_tien_dong}Tra cứu: {tra_cuu}",
     "Ho so {ma_ho_so} da duoc tiep nhan, hen tra {hen_tra}. Tra cuu: {tra_cuu}"),
    ("request_supplement", "Hồ sơ {ma_ho_so}: cần bổ sung giấy tờ",
     "Kính gửi {ho_ten},\n\nHồ sơ «{thu_tuc}» cần bổ sung: {giay_to}.\nLý do: {ly_do}\nTra cứu: {tra_cuu}",
     "Ho so {ma_ho_so} can bo sung: {giay_to}"),
    ("refuse", "Hồ sơ không được tiếp nhận: {thu_tuc}",
     "Kính gửi {ho_ten},\n\nHồ sơ «{thu_tuc}» không được tiếp nhận giải quyết.\nLý do: {ly_do}",
     "Ho so {thu_tuc} khong duoc tiep nhan. Ly do: {ly_do}"),
    ("require_payment", "Hồ sơ {ma_ho_so}: thông báo nghĩa vụ tài chính",
     "Kính gửi {ho_ten},\n\nHồ sơ {ma_ho_so} cần nộp {so_tien} đồng ({ly_do}).\nThanh toán trực tuyến: {thanh_toan}",
     "Ho so {ma_ho_so} can nop {so_tien} dong. Thanh toan: {thanh_toan}"),
    ("extend", "Hồ sơ {ma_ho_so}: hẹn lại ngày trả kết quả",
     "Kính gửi {ho_ten},\n\nChúng tôi xin lỗi vì hồ sơ {ma_ho_so} chưa giải quyết xong đúng hẹn.\n"
     "Hẹn trả mới: {hen_tra}\nLý do: {ly_do}",
     "Xin loi, ho so {ma_ho_so} hen tra lai {hen_tra}."),
    ("finished", "Hồ sơ {ma_ho_so} đã có kết quả",
     "Kính gửi {ho_ten},\n\nHồ sơ «{thu_tuc}» ({ma_ho_so}) đã có kết quả. Tra cứu và nhận kết quả: {tra_cuu}",
     "Ho so {ma_ho_so} da co ket qua. Tra cuu: {tra_cuu}"),
    ("return_result", "Hồ sơ {ma_ho_so} đã trả kết quả",
     "Kính gửi {ho_ten},\n\nKết quả hồ sơ {ma_ho_so} đã được trả. Cảm ơn Ông/Bà đã sử dụng dịch vụ.",
     "Ho so {ma_ho_so} da tra ket qua. Cam on Ong/Ba."),
    ("withdraw", "Hồ sơ {ma_ho_so} đã được rút",
     "Kính gửi {ho_ten},\n\nHồ sơ «{thu_tuc}» đã được rút theo yêu cầu.",
     "Ho so {thu_tuc} da duoc rut theo yeu cau."),
]


def create(apps, schema_editor):
    MessageTemplate = apps.get_model("notify", "MessageTemplate")
    for event, subject, body, sms in TEMPLATES:
        body = body.replace("{so_tien_dong}", "")
        MessageTemplate.objects.get_or_create(event=event, channel="email", defaults={"subject": subject, "body": body + SIGN})
        MessageTemplate.objects.get_or_create(event=event, channel="sms", defaults={"body": sms})


def remove(apps, schema_editor):
    apps.get_model("notify", "MessageTemplate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("notify", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
