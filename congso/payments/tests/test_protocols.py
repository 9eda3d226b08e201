"""Specification of the two providers' wire protocols, pure (no HTTP, no ORM).

* the national Payment Platform (``providers.payplatform.protocol``): MaXacThuc = SHA-256 hex over the
  signed fields' values joined by "|", the shared secret last; timestamps yyyyMMddHHmmss in Vietnam time;
* the bank/wallet gateway (``providers.gateway.protocol``): vnp_SecureHash = HMAC-SHA512 hex over the
  vnp_* parameters sorted by name, ``name=quote_plus(value)`` joined by "&"; vnp_Amount in đồng ×100.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from urllib.parse import parse_qsl

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from congso.payments.providers.gateway import protocol as G
from congso.payments.providers.payplatform import protocol as P

SETTINGS = settings(max_examples=100, deadline=None)
UTC = dt.UTC
AT = dt.datetime(2025, 3, 1, 2, 30, 0, tzinfo=UTC)  # 09:30:00 in Hà Nội
SECRET = "bí-mật-chung-2025"

# texts that survive the trip through UTF-8 (no lone surrogates: st.text excludes them by default)
texts = st.text(max_size=30)
secrets = st.text(min_size=1, max_size=20)


# ==== Payment Platform ==============================================================================


def _init(**overrides):
    fields = {
        "partner": "CONGSO-TH",
        "reference": "HS-000.25.14797-001",
        "amount": 10_000,
        "at": AT,
        "return_url": "https://dichvucong.example.vn/thanh-toan/ve",
        "notify_url": "https://dichvucong.example.vn/api/v1/payments/payplatform/confirm",
        "description": "Nộp phí chứng thực chữ ký",
        "receipt_info": {"MaHoSo": "HS-001", "HoTen": "Nguyễn Văn Bình"},
        "secret": SECRET,
    }
    return P.init_message(**{**fields, **overrides})


def _confirm(**overrides):
    fields = {
        "partner": "CONGSO-TH",
        "reference": "HS-000.25.14797-001",
        "amount": 10_000,
        "transaction": "GD0000123",
        "outcome": "success",
        "at": AT,
        "bank": "VCB",
        "secret": SECRET,
    }
    return P.confirm_message(**{**fields, **overrides})


def test_init_checksum_is_sha256_hex_of_the_pipe_joined_fields_secret_last():
    message = _init()
    joined = (
        "INIT|CONGSO-TH|HS-000.25.14797-001|10000|PAY|1|20250301093000|vi|VND"
        "|https://dichvucong.example.vn/thanh-toan/ve|bí-mật-chung-2025"
    )
    expected = hashlib.sha256(joined.encode("utf-8")).hexdigest()
    assert message["MaXacThuc"] == expected
    assert expected == expected.lower() and len(expected) == 64
    assert P.checksum(message, P.INIT_FIELDS, SECRET) == expected


def test_init_message_carries_the_domain_fields():
    message = _init(locale="en")
    assert message["LoaiBanTin"] == "INIT"
    assert message["SoTien"] == 10_000
    assert message["ThoiGianGD"] == "20250301093000"
    assert message["NgonNgu"] == "en"
    assert message["MaTienTe"] == "VND"
    assert message["ThongTinBienLai"] == {"MaHoSo": "HS-001", "HoTen": "Nguyễn Văn Bình"}
    assert _init(locale="fr")["NgonNgu"] == "vi"


def test_a_missing_field_signs_as_empty():
    assert P.checksum({}, ("A", "B"), "s") == hashlib.sha256(b"||s").hexdigest()


def test_signed_messages_verify():
    assert P.verify(_init(), P.INIT_FIELDS, SECRET)
    assert P.verify(_confirm(), P.CONFIRM_FIELDS, SECRET)
    assert P.verify(P.query_message(partner="X", reference="R", at=AT, secret=SECRET), P.QUERY_FIELDS, SECRET)
    statement = P.statement_message(partner="X", day=dt.date(2025, 3, 1), at=AT, secret=SECRET)
    assert statement["NgayDoiSoat"] == "20250301"
    assert P.verify(statement, P.STATEMENT_FIELDS, SECRET)


def test_the_checksum_is_read_case_insensitively():
    message = _init()
    assert P.verify({**message, "MaXacThuc": message["MaXacThuc"].upper()}, P.INIT_FIELDS, SECRET)


@pytest.mark.parametrize("given_hash", [None, "", "0" * 64])
def test_a_missing_or_wrong_checksum_is_refused(given_hash):
    message = _init()
    if given_hash is None:
        del message["MaXacThuc"]
    else:
        message["MaXacThuc"] = given_hash
    assert not P.verify(message, P.INIT_FIELDS, SECRET)


def test_confirm_carries_the_result_code():
    assert _confirm(outcome="success")["MaKetQua"] == "00"
    assert _confirm(outcome="failed")["MaKetQua"] == "01"
    assert P.OUTCOMES[_confirm(outcome="pending")["MaKetQua"]] == "pending"


@SETTINGS
@given(st.data())
def test_changing_any_signed_field_breaks_the_checksum(data):
    kind = data.draw(st.sampled_from(["init", "confirm"]))
    message, fields = (_init(), P.INIT_FIELDS) if kind == "init" else (_confirm(), P.CONFIRM_FIELDS)
    field = data.draw(st.sampled_from(fields))
    value = data.draw(st.one_of(texts, st.integers(min_value=0)))
    assume(str(value) != str(message[field]))
    assert not P.verify({**message, field: value}, fields, SECRET)
    assert P.verify(message, fields, SECRET)


@SETTINGS
@given(secrets)
def test_another_secret_does_not_verify(secret):
    assume(secret != SECRET)
    assert not P.verify(_init(), P.INIT_FIELDS, secret)
    assert not P.verify(_confirm(secret=secret), P.CONFIRM_FIELDS, SECRET)


@SETTINGS
@given(
    st.fixed_dictionaries({name: texts for name in P.CONFIRM_FIELDS}),
    secrets,
)
def test_sign_then_verify_round_trips_for_any_values(message, secret):
    assert P.verify(P.sign(message, P.CONFIRM_FIELDS, secret), P.CONFIRM_FIELDS, secret)


def test_timestamp_is_vietnam_wall_clock():
    assert P.timestamp(AT) == "20250301093000"
    assert P.timestamp(dt.datetime(2024, 12, 31, 17, 0, 0, tzinfo=UTC)) == "20250101000000"
    parsed = P.parse_timestamp("20250301093000")
    assert parsed == AT
    assert parsed.tzinfo == P.VN and parsed.utcoffset() == dt.timedelta(hours=7)


zones = st.sampled_from([UTC, P.VN, dt.timezone(dt.timedelta(hours=9)), dt.timezone(dt.timedelta(hours=-5))])
moments = st.datetimes(min_value=dt.datetime(1980, 1, 1), max_value=dt.datetime(2099, 12, 31), timezones=zones)


@SETTINGS
@given(moments)
def test_timestamp_round_trips_to_the_second(moment):
    for protocol in (P, G):
        text = protocol.timestamp(moment)
        assert len(text) == 14 and text.isdigit()
        back = protocol.parse_timestamp(text)
        assert back == moment.replace(microsecond=0)
        assert back.tzinfo == protocol.VN
        assert protocol.timestamp(back) == text


@pytest.mark.parametrize(("value", "amount"), [(0, 0), (10_000, 10_000), ("10000", 10_000), (" 24000 ", 24_000)])
def test_payplatform_amounts_are_whole_non_negative_dong(value, amount):
    assert P.read_amount(value) == amount


@pytest.mark.parametrize(
    "value", ["10.5", "10.0", "1e3", "-1", -1, True, False, "", "  ", None, 10.0, 10.5, "10 000", "²", "１２", "١٢"]
)
def test_payplatform_refuses_what_is_not_an_amount(value):
    assert P.read_amount(value) is None


@SETTINGS
@given(st.integers(min_value=0, max_value=10**15))
def test_payplatform_reads_ints_and_their_digits(amount):
    assert P.read_amount(amount) == amount
    assert P.read_amount(str(amount)) == amount
    assert P.read_amount(-amount - 1) is None


@SETTINGS
@given(st.one_of(texts, st.floats(allow_nan=True), st.none(), st.booleans()))
@example("²")
def test_payplatform_read_amount_never_raises(value):
    result = P.read_amount(value)
    if result is not None:
        assert type(result) is int and result >= 0
        assert str(value).strip().lstrip("0") == str(result).lstrip("0")


# ==== Gateway =======================================================================================

ORDER_INFO = "Nộp phí hồ sơ 001"


def test_hash_data_sorts_skips_and_quote_plus_encodes():
    params = {
        "vnp_TxnRef": "HS-001",
        "vnp_OrderInfo": ORDER_INFO,
        "vnp_Amount": "1000000",
        "vnp_SecureHash": "deadbeef",
        "vnp_SecureHashType": "HmacSHA512",
        "vnp_BankCode": "",
        "vnp_ReturnUrl": "https://dvc.example.vn/ve?a=1&b=2",
        "csrf": "not-a-gateway-parameter",
    }
    assert G.hash_data(params) == (
        "vnp_Amount=1000000"
        "&vnp_OrderInfo=N%E1%BB%99p+ph%C3%AD+h%E1%BB%93+s%C6%A1+001"
        "&vnp_ReturnUrl=https%3A%2F%2Fdvc.example.vn%2Fve%3Fa%3D1%26b%3D2"
        "&vnp_TxnRef=HS-001"
    )


def test_secure_hash_is_hmac_sha512_hex_of_the_hash_data():
    params = {"vnp_TxnRef": "HS-001", "vnp_Amount": "1000000", "vnp_OrderInfo": "Nop phi"}
    expected = hmac.new(
        b"SECRET", b"vnp_Amount=1000000&vnp_OrderInfo=Nop+phi&vnp_TxnRef=HS-001", hashlib.sha512
    ).hexdigest()
    assert G.secure_hash(params, "SECRET") == expected
    assert len(expected) == 128


def test_pay_params_sign_and_verify():
    params = G.pay_params(
        tmn_code="CONGSO01",
        reference="HS-001",
        amount=10_000,
        description=ORDER_INFO,
        return_url="https://dvc.example.vn/ve",
        client_ip="",
        created_at=AT,
        expires_at=AT + dt.timedelta(minutes=15),
    )
    assert params["vnp_Amount"] == "1000000"
    assert params["vnp_IpAddr"] == "127.0.0.1"
    assert (params["vnp_CreateDate"], params["vnp_ExpireDate"]) == ("20250301093000", "20250301094500")
    query = G.signed_query(params, SECRET)
    assert "vnp_OrderInfo=N%E1%BB%99p+ph%C3%AD+h%E1%BB%93+s%C6%A1+001" in query
    back = dict(parse_qsl(query, keep_blank_values=True))
    assert back["vnp_SecureHash"] == G.secure_hash(params, SECRET)
    assert G.verify(back, SECRET)
    assert G.read_amount(back["vnp_Amount"]) == 10_000


@pytest.mark.parametrize("given_hash", [None, "", "0" * 128])
def test_a_missing_or_wrong_secure_hash_is_refused(given_hash):
    params = {"vnp_TxnRef": "HS-001", "vnp_Amount": "1000000"}
    if given_hash is not None:
        params["vnp_SecureHash"] = given_hash
    assert not G.verify(params, SECRET)


def test_the_secure_hash_is_read_case_insensitively():
    params = {"vnp_TxnRef": "HS-001", "vnp_Amount": "1000000"}
    assert G.verify({**params, "vnp_SecureHash": G.secure_hash(params, SECRET).upper()}, SECRET)


REAL_NAMES = ["vnp_BankCode", "vnp_OrderInfo", "vnp_ResponseCode", "vnp_TransactionNo", "vnp_PayDate", "vnp_Locale"]
names = st.sampled_from(REAL_NAMES) | st.from_regex(r"vnp_[A-Za-z]{1,8}", fullmatch=True).filter(
    lambda name: name not in G.HASH_FIELDS
)
gateway_params = st.dictionaries(names, texts, max_size=8).map(
    lambda params: {**params, "vnp_Amount": "1000000", "vnp_TxnRef": "HS-001"}
)


def _received(params: dict, secret: str) -> dict:
    """What the other side reads: the query string parsed back."""
    return dict(parse_qsl(G.signed_query(params, secret), keep_blank_values=True))


@SETTINGS
@given(gateway_params, secrets)
def test_signed_query_round_trips_through_verify(params, secret):
    received = _received(params, secret)
    assert G.verify(received, secret)
    assert {k: v for k, v in received.items() if k != "vnp_SecureHash"} == {k: v for k, v in params.items() if v != ""}


@SETTINGS
@given(gateway_params, st.data())
def test_tampering_any_signed_parameter_breaks_verification(params, data):
    received = _received(params, SECRET)
    name = data.draw(st.sampled_from(sorted(k for k in received if k not in G.HASH_FIELDS)))
    value = data.draw(texts)
    assume(value != received[name])
    assert not G.verify({**received, name: value}, SECRET)


@SETTINGS
@given(gateway_params, st.integers(min_value=1, max_value=10**12))
def test_changing_the_amount_breaks_verification(params, delta):
    received = _received(params, SECRET)
    assert not G.verify({**received, "vnp_Amount": str(int(received["vnp_Amount"]) + delta)}, SECRET)


@SETTINGS
@given(gateway_params, names, st.text(min_size=1, max_size=10))
def test_adding_or_removing_a_parameter_breaks_verification(params, name, value):
    received = _received(params, SECRET)
    if name in received:
        del received[name]
    else:
        received[name] = value
    assert not G.verify(received, SECRET)


@SETTINGS
@given(gateway_params, secrets)
def test_another_secret_does_not_verify_a_gateway_message(params, secret):
    assume(secret != SECRET)
    assert not G.verify(_received(params, SECRET), secret)


@pytest.mark.parametrize(
    ("value", "amount"),
    [("1000000", 10_000), ("0", 0), (0, 0), ("100", 1), (" 2400000 ", 24_000), (1_000_000, 10_000)],
)
def test_gateway_amount_is_dong_times_100(value, amount):
    assert G.read_amount(value) == amount


@pytest.mark.parametrize(
    "value", ["1000050", "1", "99", "abc", "", None, "-100", "100.00", "1e4", 100.0, True, "²", "１００", "١٠٠"]
)
def test_gateway_amount_refuses_what_is_not_whole_dong(value):
    assert G.read_amount(value) is None


@SETTINGS
@given(st.integers(min_value=0, max_value=10**15), st.integers(min_value=1, max_value=99))
def test_gateway_amount_property(dong, cents):
    assert G.read_amount(str(dong * 100)) == dong
    assert G.read_amount(str(dong * 100 + cents)) is None


@SETTINGS
@given(st.one_of(texts, st.none(), st.floats(allow_nan=True), st.booleans()))
@example("²")
def test_gateway_read_amount_never_raises(value):
    result = G.read_amount(value)
    assert result is None or (type(result) is int and result >= 0)


def test_pipe_hash_matches_a_hand_computation():
    message = {
        "vnp_RequestId": "REQ-1",
        "vnp_Version": "2.1.0",
        "vnp_Command": "querydr",
        "vnp_TmnCode": "CONGSO01",
        "vnp_TxnRef": "HS-001",
        "vnp_TransactionDate": "20250301093000",
        "vnp_CreateDate": "20250301093500",
        "vnp_IpAddr": "127.0.0.1",
        "vnp_OrderInfo": "Truy vấn HS-001",
    }
    data = "REQ-1|2.1.0|querydr|CONGSO01|HS-001|20250301093000|20250301093500|127.0.0.1|Truy vấn HS-001"
    expected = hmac.new(SECRET.encode("utf-8"), data.encode("utf-8"), hashlib.sha512).hexdigest()
    assert G.pipe_hash(message, G.QUERY_REQUEST_FIELDS, SECRET) == expected
    # a missing field is signed as empty, in its place
    del message["vnp_OrderInfo"]
    assert (
        G.pipe_hash(message, G.QUERY_REQUEST_FIELDS, SECRET)
        == hmac.new(SECRET.encode("utf-8"), data.rsplit("|", 1)[0].encode("utf-8") + b"|", hashlib.sha512).hexdigest()
    )
